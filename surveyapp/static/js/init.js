import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();

for (const button of document.querySelectorAll('[data-module="app-print"]')) {
  button.addEventListener("click", () => window.print());
}
