// GOV.UK Frontend's page set-up, as a file rather than an inline script, so that the
// Content-Security-Policy can forbid inline scripts. Loaded at the start of <body>.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
