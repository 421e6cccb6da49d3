// Renders a chat template with @huggingface/jinja (the reference engine for our Jinja interpreter).
// Usage: node render_template.mjs TEMPLATE.jinja INPUT.json
//   INPUT is {messages, tools?, add_generation_prompt?, enable_thinking?, bos_token?, eos_token?, ...extra}
//   and the rendered prompt is printed as is; or INPUT is an array of such objects (batch mode),
//   and a JSON array of {ok: true, text} / {ok: false, error} is printed, one entry per input.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const [templatePath, inputPath] = process.argv.slice(2);
if (!templatePath || !inputPath) {
  console.error("usage: node render_template.mjs TEMPLATE.jinja INPUT.json");
  process.exit(2);
}
const template = new Template(readFileSync(templatePath, "utf8"));
const input = JSON.parse(readFileSync(inputPath, "utf8"));

function render(item) {
  const context = { bos_token: "<bos>", eos_token: "<eos>", add_generation_prompt: true, ...item };
  // Variables the caller left out stay undefined in the template (tools, enable_thinking).
  for (const key of Object.keys(context)) {
    if (context[key] === null && (key === "tools" || key === "enable_thinking")) delete context[key];
  }
  return template.render(context);
}

if (Array.isArray(input)) {
  const results = input.map((item) => {
    try {
      return { ok: true, text: render(item) };
    } catch (e) {
      return { ok: false, error: String(e && e.message ? e.message : e) };
    }
  });
  process.stdout.write(JSON.stringify(results));
} else {
  process.stdout.write(render(input));
}
