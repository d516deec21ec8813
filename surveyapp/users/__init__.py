"""Managers' and viewers' accounts in the app: invitations, role and scope, deactivation, password links, and
single sign-on with the council's own OpenID Connect provider (`sso`)."""
