// The query page's editor: a textarea over a highlighted copy of its text, with line
// numbers, bracket matching, Ctrl/Cmd+Enter to run, completion (Ctrl+Space) of prefixes,
// ontology terms and labelled resources, and answers fetched without leaving the page.
// Without this script the form posts and the server renders the same answer.

const form = document.getElementById("query-form");
const area = document.getElementById("query");
const holder = document.getElementById("editor");
const view = document.getElementById("view");
const picker = document.getElementById("examples");

const KEYWORDS = new Set(("select construct describe ask where prefix base from named graph " +
  "optional union minus filter bind values as distinct reduced order by asc desc group having " +
  "limit offset not exists in a service silent true false undef count sum min max avg sample " +
  "group_concat separator str lang langmatches datatype bound iri uri bnode rand abs ceil " +
  "floor round concat strlen ucase lcase encode_for_uri contains strstarts strends strbefore " +
  "strafter year month day hours minutes seconds timezone tz now uuid struuid md5 sha1 sha256 " +
  "sha384 sha512 coalesce if strlang strdt sameterm isiri isuri isblank isliteral isnumeric " +
  "regex substr replace").split(" "));
const TOKEN = new RegExp([
  String.raw`(#[^\n]*)`,                                          // 1 comment
  String.raw`("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')`, // 2 string
  String.raw`(<[^<>"{}|^\x60\\\s]*>)`,                            // 3 IRI
  String.raw`([?$][\p{L}\p{N}_]+)`,                               // 4 variable
  String.raw`(@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)`,                     // 5 language tag
  String.raw`([\p{L}_][\p{L}\p{N}_.-]*)?:([\p{L}\p{N}_](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}_-])?)?`, // 6,7 prefixed name
  String.raw`([\p{L}_][\p{L}\p{N}_]*)`,                           // 8 word
  String.raw`(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)`,                   // 9 number
  String.raw`([(){}\[\]])`,                                       // 10 bracket
].join("|"), "gu");
const OPEN = "({[", CLOSE = ")}]";

let errorLine = 0;
let vocabulary = null;

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function matchingBracket(text, caret) {
  for (const at of [caret - 1, caret]) {
    const ch = text[at];
    if (ch === undefined) continue;
    let step = 0, open, close;
    if (OPEN.includes(ch)) { step = 1; open = ch; close = CLOSE[OPEN.indexOf(ch)]; }
    else if (CLOSE.includes(ch)) { step = -1; close = ch; open = OPEN[CLOSE.indexOf(ch)]; }
    if (!step) continue;
    let depth = 0;
    for (let i = at; i >= 0 && i < text.length; i += step) {
      if (text[i] === (step > 0 ? open : close)) depth++;
      else if (text[i] === (step > 0 ? close : open) && --depth === 0) return [at, i];
    }
    return [at, -1];
  }
  return null;
}

function highlight(text, caret) {
  const pair = matchingBracket(text, caret) || [];
  let out = "", last = 0;
  for (const m of text.matchAll(TOKEN)) {
    out += escapeHtml(text.slice(last, m.index));
    const t = m[0];
    let cls = "";
    if (m[1]) cls = "tok-comment";
    else if (m[2]) cls = "tok-string";
    else if (m[3]) cls = "tok-iri";
    else if (m[4]) cls = "tok-var";
    else if (m[5]) cls = "tok-lang";
    else if (m[6] !== undefined || t.includes(":")) cls = "tok-pname";
    else if (m[8]) cls = KEYWORDS.has(t.toLowerCase()) ? "tok-keyword" : "";
    else if (m[9]) cls = "tok-number";
    else if (m[10]) cls = pair.includes(m.index) ? (pair.includes(-1) ? "tok-unmatched" : "tok-match") : "tok-bracket";
    out += cls ? `<span class="${cls}">${escapeHtml(t)}</span>` : escapeHtml(t);
    last = m.index + t.length;
  }
  out += escapeHtml(text.slice(last));
  return out + "\n";
}

// ---- the editor's layers
const wrap = document.createElement("div");
wrap.className = "code";
const gutter = document.createElement("pre");
gutter.className = "gutter";
gutter.setAttribute("aria-hidden", "true");
const shown = document.createElement("pre");
shown.className = "shown";
shown.setAttribute("aria-hidden", "true");
const layers = document.createElement("div");
layers.className = "layers";
area.replaceWith(wrap);
layers.append(shown, area);
wrap.append(gutter, layers);
area.setAttribute("wrap", "off");
holder.classList.add("enhanced");

function render() {
  const text = area.value;
  shown.innerHTML = highlight(text, area.selectionStart);
  const lines = text.split("\n").length;
  let numbers = "";
  for (let i = 1; i <= lines; i++) numbers += i === errorLine ? `<span class="error-line">${i}</span>\n` : `${i}\n`;
  gutter.innerHTML = numbers;
  area.rows = Math.max(12, Math.min(lines + 1, 40));
  syncScroll();
}
function syncScroll() {
  shown.scrollTop = area.scrollTop;
  shown.scrollLeft = area.scrollLeft;
  gutter.scrollTop = area.scrollTop;
}
area.addEventListener("input", () => { errorLine = 0; render(); suggest(false); });
area.addEventListener("scroll", syncScroll);
for (const ev of ["keyup", "click", "select"]) area.addEventListener(ev, () => {
  shown.innerHTML = highlight(area.value, area.selectionStart);
});

// ---- completion
const list = document.createElement("ul");
list.id = "completions";
list.className = "completions";
list.setAttribute("role", "listbox");
list.hidden = true;
holder.append(list);
let options = [], active = 0;

async function loadVocabulary() {
  if (!vocabulary) vocabulary = await (await fetch("/query/vocabulary.json")).json();
  return vocabulary;
}
function wordBefore() {
  const upto = area.value.slice(0, area.selectionStart);
  const m = upto.match(/[^\s(){}\[\],;.]*$/u);
  return m ? m[0] : "";
}
async function suggest(explicit) {
  const word = wordBefore();
  if (!explicit && (word.length < 2 || !(/[:<]/.test(word) || /[^\x00-\x7f]/.test(word)))) { close(); return; }
  const v = await loadVocabulary();
  if (wordBefore() !== word) return; // typed on meanwhile: the newer keystroke decides
  const needle = word.replace(/^</, "").toLowerCase();
  const starts = [], contains = [];
  for (const [prefix, ns] of Object.entries(v.prefixes)) {
    if ((prefix + ":").startsWith(needle)) starts.push({ text: prefix + ":", note: ns, prefix });
  }
  for (const term of v.terms) {
    if (!needle) break;
    const text = term.text.toLowerCase().replace(/^</, "");
    const option = { text: term.text, note: [term.en, term.ja].filter(Boolean).join(" · ") + ` (${term.kind})` };
    if (text.startsWith(needle)) starts.push(option);
    else if (text.includes(needle) || term.en.toLowerCase().includes(needle) || term.ja.includes(word)) contains.push(option);
  }
  options = starts.concat(contains).slice(0, 40);
  active = 0;
  if (!options.length) { close(); return; }
  list.innerHTML = options.map((o, i) =>
    `<li role="option" id="completion-${i}" aria-selected="${i === active}"><code>${escapeHtml(o.text)}</code> <small>${escapeHtml(o.note)}</small></li>`).join("");
  list.hidden = false;
  area.setAttribute("aria-activedescendant", "completion-0");
}
function close() { list.hidden = true; options = []; area.removeAttribute("aria-activedescendant"); }
function moveActive(step) {
  active = (active + step + options.length) % options.length;
  [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
  list.children[active].scrollIntoView({ block: "nearest" });
  area.setAttribute("aria-activedescendant", `completion-${active}`);
}
function accept(choice) {
  const word = wordBefore();
  const start = area.selectionStart - word.length;
  let text = area.value.slice(0, start) + choice.text + area.value.slice(area.selectionStart);
  let caret = start + choice.text.length;
  const prefix = choice.prefix || (choice.text.match(/^([\p{L}_][\p{L}\p{N}_.-]*):/u) || [])[1];
  if (prefix && vocabulary.prefixes[prefix] && !new RegExp(`PREFIX\\s+${prefix}:`, "i").test(text)) {
    const line = `PREFIX ${prefix}: <${vocabulary.prefixes[prefix]}>\n`;
    text = line + text;
    caret += line.length;
  }
  area.value = text;
  area.setSelectionRange(caret, caret);
  close();
  render();
  area.focus();
}
list.addEventListener("mousedown", (e) => {
  const li = e.target.closest("li");
  if (li) { e.preventDefault(); accept(options[[...list.children].indexOf(li)]); }
});

area.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); return; }
  if (e.ctrlKey && (e.key === " " || e.code === "Space")) { e.preventDefault(); suggest(true); return; }
  if (!list.hidden) {
    if (e.key === "ArrowDown") { e.preventDefault(); moveActive(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); moveActive(-1); }
    else if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); accept(options[active]); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
    return;
  }
  if (e.key === "Tab" && !e.shiftKey) { // indent, as editors do; Shift+Tab still leaves the field
    e.preventDefault();
    area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
    render();
  }
});
area.addEventListener("blur", () => setTimeout(close, 150));

// ---- running
async function run() {
  const body = new URLSearchParams({ query: area.value, view: view.value, part: "result" });
  const result = document.getElementById("result");
  result.setAttribute("aria-busy", "true");
  const response = await fetch("/query", {
    method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const fresh = document.createElement("div");
  fresh.innerHTML = await response.text();
  const section = fresh.querySelector("#result");
  if (section) result.replaceWith(section);
  const share = new URLSearchParams({ query: area.value, view: view.value });
  history.replaceState(null, "", `/query?${share}`);
  errorLine = section && section.dataset.line ? Number(section.dataset.line) : 0;
  render();
  if (errorLine) markError(errorLine, Number(section.dataset.column || 1));
}
function markError(line, column) {
  const lines = area.value.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, Math.min(offset + 1, area.value.length));
}
form.addEventListener("submit", (e) => {
  if (e.submitter && e.submitter.id === "load-example") return; // loads on the server
  e.preventDefault();
  run();
});
view.addEventListener("change", () => { if (document.querySelector("#result h2")) run(); });

// ---- examples
const data = document.getElementById("example-data");
const examples = data ? JSON.parse(data.textContent) : {};
picker.addEventListener("change", () => {
  if (examples[picker.value]) { area.value = examples[picker.value]; errorLine = 0; render(); area.focus(); }
});
document.getElementById("load-example").hidden = true;

render();
const initial = document.getElementById("result");
if (initial && initial.dataset.line) {
  errorLine = Number(initial.dataset.line);
  render();
  markError(errorLine, Number(initial.dataset.column || 1));
}
