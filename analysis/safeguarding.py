"""Safeguarding flags: comments that seem to disclose a risk to a child, or violence, threats or
self-harm concerning staff.

A flagged comment still counts in its theme, but is never chosen as a quote: someone has to read
it and act, and a disclosure must not be passed round in a report. Two stages, both offline and
deterministic, built for recall first (a missed disclosure is worse than a false flag, which
costs a reader a minute):
- rules: patterns for each kind, which say which words set them off (`explain`); idioms ("this
  job is killing me", "I'd kill for a desk") are blanked out first, and some rules are cancelled
  by a negation just before them ("I've never been threatened");
- examples: when the engine's sentence embeddings are given, a comment the rules missed is
  flagged if its closest example comments (data/safeguarding_examples.yaml) are disclosures of
  one kind, by a margin over the examples that are not. This catches disclosures written
  without any of the rule words ("I stood on the bridge for a long time").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml
from sklearn.base import BaseEstimator

from analysis.classify import PrototypeClassifier
from analysis.clean import normalise

FLAG_KINDS = ("child_at_risk", "threat_to_staff", "self_harm")


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    negatable: bool = False  # "never", "not", "no" in the few words before cancels it
    needs_child: bool = False  # only when the comment speaks of a child
    topic_blocked: bool = False  # not in a sentence about training, policy or procedures


def _rules(kind: str, patterns: Iterable[str], **options: bool) -> list[Rule]:
    return [Rule(kind, re.compile(p, re.IGNORECASE), **options) for p in patterns]


CHILD = re.compile(
    r"\b(?:child(?:ren)?|kids?|bab(?:y|ies)|toddlers?|newborns?|infants?|girls?|boys?|teen(?:ager)?s?|"
    r"young (?:person|people)|siblings?|(?:step)?(?:sons?|daughters?)|pupils?|unborn|pre-?birth|twins|lad|"
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen)[- ](?:year|yr|month|week)[- ]olds?|\d{1,2} ?yo|\d{1,2} (?:year|month) old)\b",
    re.IGNORECASE)
_KID = r"(?:(?:a|the|this|that|one|two|three|her|his|their|my) (?:\w+ )?(?:child|children|baby|kids?|toddler|girl|boy|newborn|sibling))"
_VICTIM = (r"(?:me|us|him|her|my colleague|a colleague|colleagues|my (?:manager|tm|team manager)|"
           r"a (?:social )?worker|(?:the |a )?staff(?: member)?|one of (?:us|the team|my colleagues))")
_HURT = (r"(?:punched|hit|slapped|kicked|head-?butted|bit|bitten|assaulted|attacked|strangled|grabbed|pinned|"
         r"shoved|pushed|spat (?:at|on)|stabbed|choked|groped|cornered|locked in|threatened|followed|stalked|"
         r"harassed|intimidated|injured|sexually (?:assaulted|harassed|abused)|trapped|hurt)")
_SUBJECT = r"(?:I|we|my colleague|a colleague|colleagues?|one of (?:us|my colleagues|the team)|staff|a (?:social )?worker|she|he)"
_SAID = r"(?:said|says|told me|told us|shouted|warned|screamed|threatened)"
_WILL = r"(?:(?:he|she|they)(?:'d| would| will|'ll| was going to| were going to)|I(?:'d| would| will|'ll| should))"

RULES: tuple[Rule, ...] = (
    *_rules("child_at_risk", [
        (r"\bbeing (?:hurt|hit|harmed|abused|beaten|groomed|exploited|neglected|starved|sold|trafficked|"
         r"used to (?:run|sell|carry)|made to)\b"),
        (r"\b(?:hits?|beats?|burns?|burned|burnt|punche[sd]|kick(?:s|ed)|strangle[sd]?|chokes?|shakes?|shook|touche[sd]|"
         r"hurts?|slaps?|slapped)\s+(?:him|her|them)\b"),
        rf"\b(?:hit|beat|hurt|slapped|kicked|punched|shook|burned|injured|abused|restrained)\s+{_KID}",
        r"\bbruis(?:e|es|ed|ing)\b", r"\b(?:unexplained|non-accidental|serious|suspicious) injur(?:y|ies)\b",
        r"\bsexual(?:ly)? (?:abuse[ds]?|assault(?:ed)?|exploit\w*|harm)\b", r"\bsex offenders?\b",
        r"\b(?:sleep with|sex with) (?:men|adults|older)\b", r"\b(?:for|selling \w+ for) sex\b",
        r"\bgroom(?:ed|ing)\b", r"\bexploited\b", r"\bcounty lines? gang\b", r"\b(?:run|running|carry|carrying) drugs\b",
        r"\b(?:no food|going hungry|starving|starved|malnourished)\b",
        r"\bleft (?:\w+ )?(?:alone|on (?:their|his|her) own|unsupervised|in (?:a|the) (?:flat|house|car|home))\b",
        (r"\b(?:in danger|at (?:serious |immediate |real )?risk of (?:harm|death|abuse|exploitation)|not safe|unsafe|"
         r"isn't safe|aren't safe|are safe tonight|is safe tonight|be (?:seriously )?(?:hurt|harmed|killed)|"
         r"(?:will|could|going to|might) die)\b"),
        r"\brestrained until\b", r"\bcomes? into (?:her|his|their) (?:room|bed)\b", r"\bgo(?:es|ing)? missing\b",
        r"\bpicked up by (?:older|adult|unknown)\b", r"\bsofa[- ]surfing\b",
        r"\bdisclos(?:ed|es|ing|ure of) (?:sexual |physical |domestic )?(?:abuse|assault|violence|harm)\b",
        (r"\b(?:mum|dad|mother|father|parents?|carer|partner|boyfriend|stepdad|uncle|he|she)(?:'s)? (?:is )?"
         r"(?:drinks|drinking|drunk|using|on heroin|on crack|injecting)\b"),
        r"\b(?:using|on|injecting) (?:heroin|crack|cocaine|drugs)\b", r"\bdog (?:mess|faeces|excrement|dirt)\b",
        r"\bstill (?:being|living with|in the same house|at home with)\b",
        r"\b(?:strangled|stabbed|killed|attacked|beat|beaten) (?:their|his|her|the children's) (?:mother|mum|father|dad)\b",
        r"\bno (?:safety |protection |child protection )?plan\b",
        # a specific child not seen, or the worker's fear for them (issue 22: "not being seen often enough...
        # I fear something will happen")
        (r"\b(?:not (?:being |been )?seen|hasn't been seen|haven't (?:been able to )?see[n]?|has not been seen|"
         r"nobody has (?:seen|visited)|no-?one has (?:seen|visited)|not been visited|hasn't been visited|"
         r"not seen (?:alone|for))\b"),
        (r"\b(?:fear|afraid|scared|worried|worry|terrified|frightened|convinced|sure)\b[^.]{0,30}\b(?:something|someone|"
         r"he|she|they|the (?:child|baby|kids?|children))\b[^.]{0,15}\b(?:will|is going to|could|might|'ll)\s+"
         r"(?:happen|get hurt|be hurt|be harmed|be killed|die|end up)\b"),
        r"\bsomething (?:bad |terrible |awful |serious )?(?:will|is going to|could) happen\b",
        r"\b(?:home|house|flat) alone\b|\bno adult (?:there|present|in the house|at home)\b|\bwith no adult\b",
        r"\bpre-?birth\b[^.]{0,80}\b(?:unallocated|not (?:been )?(?:started|allocated)|no (?:worker|social worker|one))\b",
        r"\b(?:unallocated|no (?:social )?worker|not allocated)\b[^.]{0,40}\b(?:for|since) (?:months|weeks|\w+ (?:months|weeks))\b",
        (r"\b(?:closed|stepped down|NFA'?d?|ended)\b[^.]{0,40}\b(?:against|despite|over) (?:my|our|the worker's) "
         r"(?:advice|concerns?|judgement|judgment|fears?|objections?|recommendation)\b"),
    ], needs_child=True, topic_blocked=True),
    *_rules("child_at_risk", [
        (r"\b(?:closed|stepped down|NFA'?d?)\b[^.]{0,40}\b(?:against|despite|over) (?:my|our) "
         r"(?:advice|concerns?|judgement|judgment|fears?|objections?|recommendation)\b"),
    ], topic_blocked=True),
    *_rules("threat_to_staff", [
        rf"\b{_SUBJECT}(?:'ve| have| has| had)?\s+(?:\w+\s+)?(?:was|were|got|been|being)\s+(?:\w+\s+)?{_HURT}\b",
        rf"\b{_HURT}\s+(?:\w+\s+)?{_VICTIM}\b",
        rf"\b(?:threw|throwing|thrown|threw) (?:a |an |the |his |her )?\w+ (?:at|towards) {_VICTIM}\b",
        r"\bthreat(?:s|ened|ening)? (?:to )?(?:kill|stab|hurt|harm|burn|shoot|find|get|sort|beat|rape)\b",
        r"\bthreats? (?:on|from|against|to me|to us|online)\b", r"\bthreatening (?:messages|calls|texts|letters|behaviour)\b",
        (rf"\b{_SAID}\b[^.]{{0,40}}?\b{_WILL}\W+(?:\w+\s+)?(?:kill|hurt|find|burn|stab|get|sort|end up|regret|pay|"
         rf"come (?:for|after)|do to me|smash|shoot|bury)"),
        (r"\b(?:know|knows|knew|find out|found out|find|found|find out) (?:where (?:I|we|she|he) lives?|my (?:address|house|home|car)|"
         r"which school)"),
        r"\bwatch (?:my|your|our) backs?\b",
        (r"\b(?:turn(?:s|ed|ing)? up|wait(?:s|ed|ing)?|hang(?:s|ing)? around|sat|parked|standing)\b[^.]{0,30}\b"
         r"(?:outside|at) (?:my|our|the) (?:house|home|office|car|door|flat)\b"),
        rf"\b(?:followed|stalked) {_VICTIM}\b", r"\bstalk(?:ed|ing|er)\b",
        rf"\bI(?:'m| am| was| have been|'ve been)\s+(?:\w+\s+)?(?:being\s+)?{_HURT}\b",
        (r"\b(?:turn(?:s|ed|ing)? up|waiting|appeared|keeps? (?:turning up|appearing))\b[^.]{0,25}\b(?:at|outside) "
         r"my (?:kids'?|children'?s'?|son'?s|daughter'?s) (?:school|nursery)|\bat my (?:gym|church|mosque|local pub)\b"),
        r"\b(?:dead|a dead) (?:animals?|bird|rat|cat)\b[^.]{0,30}\b(?:my|our) (?:car|door|house|doorstep)\b",
        r"\b(?:I'?ll|I will|going to) (?:find|get|sort) you\b|\bwon'?t be leaving\b|\bput (?:me|her|him) in hospital\b",
        r"\b(?:spat|spit) (?:at|on) (?:me|us|her|him)\b|\bby the throat\b|\bheadbutt\w*\b",
        r"\b(?:calls|calling|messages|texts|rang|phoned|ringing)\b[^.]{0,30}\b(?:at home|my (?:personal|own|home) (?:phone|mobile|number))\b",
        r"\b(?:how|where) (?:he|she|they) got my (?:number|address)\b",
        r"\bposted my (?:photo|picture|address|name|details|home)\b",
        r"\b(?:slashed|smashed|damaged|vandalised|keyed|scratched|broke into)\b[^.]{0,20}\b(?:my|our) (?:tyres|car|windows?|house)\b",
        r"\bmy (?:car|tyres|windows?) (?:was|were|got) (?:\w+ )?(?:smashed|slashed|damaged|vandalised|keyed)\b",
        (r"\b(?:scared|frightened|afraid|terrified|dread)\b[^.]{0,40}\b(?:go(?:ing)? home|visits?|the family|"
         r"the (?:dad|father|mother|mum|man|uncle|parents?)|a man|parents?|threat\w*)\b"),
        r"\b(?:don't|do not|no longer|never|didn't|did not) feel safe\b",
        r"\bfe(?:el|lt) unsafe\b",
        r"\b(?:pulled|held|waved|carrying|brandished) (?:a )?(?:knife|weapon|gun|machete|blade|bat)\b",
        r"\b(?:with|had) a (?:knife|weapon|gun|machete|blade)\b",
        r"\blocked (?:me|us|her|him) in\b|\blocked in (?:a|the) room\b",
    ], negatable=True),
    *_rules("self_harm", [
        r"\bself[- ]?harm(?:ing|ed)?\b", r"\bsuicid(?:al|e)\b", r"\boverdos(?:e|ed|ing)\b",
    ], negatable=True, topic_blocked=True),
    *_rules("self_harm", [
        r"\b(?:hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?|burn(?:ing)?|kill(?:ing)?) myself\b", r"\b(?:been|started|am) cutting\b",
        r"\bcutting again\b",
        r"\b(?:thinking|thought|think|thoughts) (?:about|of) (?:ending|taking)\b",
        r"\bend(?:ing)? (?:it all|my life|my own life)\b", r"\bhow (?:I|I'd|I would) end\b", r"\bend things\b",
        r"\b(?:take|took|taking|tried to take|end|ended) (?:my|her|his|their) own life\b",
        r"\bbetter off without me\b", r"\b(?:don't|do not) want to (?:be here|be alive|live|wake up)\b",
        r"\b(?:didn't|did not|don't|never|wouldn't) wake up\b",
        r"\b(?:no|the) point (?:in )?(?:going on|carrying on|living|being alive|being here)\b",
        r"\bwant (?:it all|everything|it) to (?:stop|end)\b",
        (r"\b(?:driv(?:e|ing)|steer(?:ing)?|crash(?:ing)?|swerv(?:e|ing))\b[^.]{0,40}\b(?:into|off)\b[^.]{0,25}"
         r"\b(?:wall|traffic|bridge|tree|lorry|road)\b"),
        r"\b(?:step(?:ping)?|walk(?:ing)?|jump(?:ing)?) (?:out )?(?:in front of|off)\b",
        r"\bhow many (?:paracetamol|tablets|pills)\b|\ball (?:my|of my|the) (?:tablets|pills|medication)\b",
        r"\b(?:can't|cannot) go on\b", r"\bwant(?:ed)? to die\b",
        # indirect (issue 22: "I wrote a note last month. I'm still here, but only just")
        r"\bstill here\b[^.]{0,25}\b(?:only just|barely|just about)\b",
        r"\b(?:wrote|written|writing|left) (?:a|my) (?:suicide )?(?:note|goodbye letter|letter to my (?:kids|children|family))\b[^.]*\.\s*I'?m still here\b",
        r"\bsaid (?:my )?goodbyes?\b|\bsaying goodbye to (?:people|everyone|my)\b",
        r"\b(?:not|stop) (?:be(?:ing)?|exist(?:ing)?) (?:here|around|alive) any ?more\b|\bnot (?:to )?exist\b",
        r"\b(?:easier|better)\b[^.]{0,20}\b(?:not (?:to )?(?:exist|be here|be around|be alive)|if I (?:wasn't|weren't) (?:here|around|alive))\b",
        r"\bhow (?:I'?d|I would|I could|to) do it\b|\bplanned how\b",
        r"\b(?:stockpil\w+|saving up|hoarding) (?:my |her |his )?(?:tablets|pills|medication)\b",
        r"\bdark thoughts\b|\bthoughts of (?:not being|ending|dying)\b",
        r"\bhide (?:the )?(?:razors|blades|knives|tablets|pills) from myself\b",
        r"\b(?:scratch|scratched|scratching) (?:my )?(?:arms|legs|skin) until\b",
        r"\b(?:hurt|hurting|harmed|harming) myself\b|\bon purpose\b[^.]{0,5}$",
        r"\b(?:if I didn'?t have|if it wasn'?t for) (?:my|the) [^.]{0,20}\b(?:I'?d not|I wouldn'?t|not sure I'?d) (?:still )?be here\b",
        r"\b(?:think|thought|thinking) about (?:stopping|stepping|driving|jumping|crashing)\b", r"\bwish (?:I was|I were|I'd never been) (?:dead|born)\b",
    ]),
)

# Idioms that use the words of a disclosure for something else; blanked before the rules run.
IDIOMS = re.compile(
    r"\b(?:rather die than|dying (?:to|for)|(?:is|are|was|were|it's) killing (?:me|us)|kill for|"
    r"(?:could|would) murder|(?:is|are) murder|threat to (?:my|our) (?:sanity|wellbeing|health|sanity)|"
    r"hit the ground|punch in the (?:gut|stomach|face)|shoot (?:down|me)|attacked (?:in|by) the (?:press|media|papers)|"
    r"at risk of (?:burnout|losing|leaving)|hit(?:s)? (?:targets|the deadline)|(?:being|been) hit by (?:yet )?"
    r"(?:another|the|a) (?:restructure|cut|change)|suicide (?:mission|run|squad)|crime scene|"
    r"(?:is|are|was) (?:a )?(?:war ?zone|battlefield|bloodbath|massacre)|death trap|(?:will|would) (?:kill|murder) me\b|"
    r"(?:the )?death of me|bored me to death|dying (?:laughing|of boredom)|(?:could|would) strangle|"
    r"jump off a bridge|pins in my eyes|nearly died laughing|(?:to|will) be the end of me|"
    r"(?:taken out and )?shot\b(?= if| for)|scare(?:d|s)? me to death)", re.IGNORECASE)
# A sentence about training, policy or procedure talks about safeguarding as work, not a case.
WORK_TOPIC = re.compile(r"\b(?:training|course|courses|workshop|protocols?|policy|policies|toolkit|procedures?|"
                        r"guidance|prevention|awareness|webinar|module)\b", re.IGNORECASE)
NEGATION = re.compile(r"\b(?:never|not|no|nobody|n't|without|hasn't|haven't|wasn't|weren't)\b|n't\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_ASCII_UNLIKE = re.compile(r"[\x1c-\x1f]")  # ASCII that \s matches in Unicode mode only


def safeguarding_examples() -> tuple[list[str], list[str]]:
    """The example comments of the embedding stage and their kinds ("none" for no disclosure)."""
    text = resources.files("analysis.data").joinpath("safeguarding_examples.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    pairs = [(example, kind) for kind in (*FLAG_KINDS, "none") for example in data[kind]]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def ordinary_examples() -> list[str]:
    """The built-in taxonomies' example comments (pay, parking, supervision, retirement...) that
    the rules do not flag: without them an ordinary comment about a topic the safeguarding
    examples never mention can sit closer to a disclosure than to any "none" example."""
    from analysis.taxonomy import all_built_in

    rules = SafeguardingFlagger().fit()
    texts = dict.fromkeys(t for tax in all_built_in() for th in tax.themes for t in th.training_texts())
    return [t for t in texts if rules.flag(t) is None]


class SafeguardingFlagger(BaseEstimator):
    """For each comment, None or the kind of disclosure it seems to make (see FLAG_KINDS).

    `kinds` limits the flags to some kinds. `min_similarity` and `margin` set the embedding
    stage: a comment's score for a kind is its mean cosine similarity to the kind's 3 closest
    examples; it is flagged when its best kind scores at least `min_similarity` and no more than
    `-margin` below the non-disclosure examples (about 500 of them, so their closest three sit
    nearer than a kind's 20-odd: a small negative margin evens that out). Chosen on the dev half
    of the labelled set and on the real comments of healthcheck_dev; the rules alone run when no
    embeddings are given. Comments under `min_words` words skip the embedding stage: similarities
    of four-word comments ("Mosaic is just painful") are too noisy, and short disclosures ("I
    want to die") are what the rules catch.
    """

    def __init__(self, kinds: tuple[str, ...] = FLAG_KINDS, min_similarity: float = 0.3, margin: float = -0.02,
                 min_words: int = 6):
        self.kinds = kinds
        self.min_similarity = min_similarity
        self.margin = margin
        self.min_words = min_words

    def fit(self, X: Iterable[str] | None = None, y: object = None,
            embed: Callable[[list[str]], np.ndarray] | None = None) -> SafeguardingFlagger:
        """Select the rules; with `embed` (texts -> unit vectors), embed the example comments too."""
        unknown = set(self.kinds) - set(FLAG_KINDS)
        if unknown:
            raise ValueError(f"unknown flag kinds {sorted(unknown)}; choose from {FLAG_KINDS}")
        self.rules_ = tuple(r for r in RULES if r.kind in self.kinds)
        self._gates = _gates(self.rules_)
        self.examples_ = None
        if embed is not None:
            texts, labels = safeguarding_examples()
            ordinary = ordinary_examples()
            self.examples_ = PrototypeClassifier(top_k=3).fit(embed(texts + ordinary), labels + ["none"] * len(ordinary))
        return self

    def predict(self, X: Sequence[str], embeddings: np.ndarray | None = None) -> list[str | None]:
        """Flags for the comments; `embeddings` (one unit vector a comment, from the same `embed`
        given to `fit`) turn on the embedding stage for comments the rules miss."""
        flags = [self.flag(text) for text in X]
        if embeddings is None or getattr(self, "examples_", None) is None or len(flags) == 0:
            return flags
        similar = self.similar(embeddings)
        return [f if f is not None or len(str(t).split()) < self.min_words else s
                for t, f, s in zip(X, flags, similar)]

    def similar(self, embeddings: np.ndarray) -> list[str | None]:
        """The embedding stage alone: the kind whose examples a comment is close to, or None."""
        scores = self.examples_.class_scores(embeddings)
        classes = list(self.examples_.classes_)
        none = scores[:, classes.index("none")]
        kinds = [classes.index(k) for k in self.kinds]
        best = np.array(kinds)[scores[:, kinds].argmax(axis=1)]
        top = scores[np.arange(len(scores)), best]
        flagged = (top >= self.min_similarity) & (top - none >= self.margin)
        return [classes[b] if f else None for b, f in zip(best, flagged)]

    def flag(self, text: str) -> str | None:
        """The rules' flag for one comment."""
        hits = self.explain(text)
        if not hits:
            return None
        kinds = [kind for kind, _ in hits]
        # The kind with most evidence; a tie goes to the first in FLAG_KINDS.
        return max(FLAG_KINDS, key=lambda k: (kinds.count(k), -FLAG_KINDS.index(k)))

    def explain(self, text: str) -> list[tuple[str, str]]:
        """(kind, words) for every rule the comment sets off."""
        if not hasattr(self, "rules_"):
            self.fit()
        text = IDIOMS.sub(" ", normalise("" if text is None else str(text)))
        has_child = CHILD.search(text) is not None
        if self._gate(has_child, text).search(text) is None:
            return []  # no rule that could apply matches anywhere, so none matches in a sentence
        hits = []
        for sentence in _SENTENCE.split(text):
            topic = WORK_TOPIC.search(sentence) is not None
            for rule in self.rules_:
                if (rule.needs_child and not has_child) or (rule.topic_blocked and topic):
                    continue
                for match in rule.pattern.finditer(sentence):
                    if rule.negatable and _negated(sentence, match):
                        continue
                    hits.append((rule.kind, match.group(0)))
                    break
        return hits

    def _gate(self, has_child: bool, text: str) -> re.Pattern[str]:
        """The one regex (made by `_gates` at fit) that matches where any of the rules that can apply
        matches: without it each comment (almost all set off nothing) was searched once a rule and a
        sentence. On ASCII text, the gate in ASCII mode (see `_gates`)."""
        plain_gate, child_gate, plain_ascii, child_ascii = self._gates
        if text.isascii() and _ASCII_UNLIKE.search(text) is None:
            return child_ascii if has_child else plain_ascii
        return child_gate if has_child else plain_gate


def _gates(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str], ...]:
    """The rules' gate regexes: those needing no child, and all of them; then both in ASCII mode.

    Exact: a rule's match in a sentence is a match in the whole text too, as the rules' only anchor
    is \\b and the sentences are split at spaces. ASCII mode is faster and, the rules being ASCII,
    matches the same on ASCII text: \\w, \\d, \\b and case differ only on other characters, and \\s
    on \\x1c-\\x1f, which `_gate` sends the Unicode way."""
    def combine(chosen: Iterable[Rule], flags: int = 0) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{r.pattern.pattern})" for r in chosen), re.IGNORECASE | flags)
    plain = [r for r in rules if not r.needs_child]
    ascii_mode = re.ASCII if all(r.pattern.pattern.isascii() for r in rules) else 0
    return combine(plain), combine(rules), combine(plain, ascii_mode), combine(rules, ascii_mode)


def _negated(sentence: str, match: re.Match[str]) -> bool:
    """A negation in the three words before the match, or inside it ("I've never been threatened")."""
    before = " ".join(sentence[:match.start()].split()[-3:])
    inside = match.group(0)
    return NEGATION.search(before) is not None or (NEGATION.search(inside) is not None and "feel safe" not in inside)


def flag_comments(texts: Sequence[str], embed: Callable[[list[str]], np.ndarray] | None = None) -> list[str | None]:
    """One call: a flag (None or a kind in FLAG_KINDS) for each comment; rules only without `embed`."""
    flagger = SafeguardingFlagger().fit(embed=embed)
    return flagger.predict(texts, embed(list(texts)) if embed is not None and len(texts) else None)
