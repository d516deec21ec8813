// Builds the front-end assets from the npm packages (run by `make install`).
// GOV.UK Frontend is compiled with Arial: a council service must not use the
// GDS Transport font, which is licensed for GOV.UK only.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "surveyapp/static";
const govuk = "node_modules/govuk-frontend/dist/govuk";

mkdirSync(`${out}/govuk`, { recursive: true });
mkdirSync(`${out}/css`, { recursive: true });
cpSync(`${govuk}/assets/images`, `${out}/govuk/assets/images`, { recursive: true });
cpSync(`${govuk}/govuk-frontend.min.js`, `${out}/govuk/govuk-frontend.min.js`);

const result = sass.compile(`${out}/scss/app.scss`, {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(`${out}/css/app.css`, result.css);
console.log(`assets built in ${out}/css and ${out}/govuk`);
