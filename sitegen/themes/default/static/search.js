// sitegen search page: Pagefind's JS API over this site's own index bundles (no CDN, nothing from elsewhere).
// The form names the primary bundle (data-pagefind: Pagefind's runtime) and the bundles merged into it, each
// as "path#tag": the tag changes with the bundle, so a browser may cache its pagefind-entry.json until then.
const form = document.querySelector("form[data-pagefind]");
const input = form.querySelector("input[name=q]");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const PAGE = 10;            // results shown at a time
let loading = null;         // the Pagefind module once every bundle is merged
let hits = [], shown = 0, round = 0, timer = 0;

function load() {
  loading ??= (async () => {
    const [main, mainTag] = form.dataset.pagefind.split("#");
    const pagefind = await import(main + "pagefind.js");
    await pagefind.options({ excerptLength: 24, metaCacheTag: mainTag });
    const bundles = form.dataset.bundles.split(" ").filter(Boolean).map((b) => b.split("#"));
    await Promise.all(bundles.map(([path, tag]) => pagefind.mergeIndex(path, { metaCacheTag: tag })));
    return pagefind;
  })();
  return loading;
}

// An excerpt keeps only text and Pagefind's <mark>s: parsed inertly, never inserted as HTML.
function excerpt(markup) {
  const p = document.createElement("p");
  p.className = "search-excerpt";
  const doc = new DOMParser().parseFromString(`<body>${markup}</body>`, "text/html");
  for (const node of doc.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      p.append(mark);
    } else {
      p.append(node.textContent);
    }
  }
  return p;
}

function item(data) {
  const li = document.createElement("li");
  li.className = "search-hit";
  const h2 = document.createElement("h2");
  h2.className = "item-title";
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  h2.append(a);
  const meta = document.createElement("p");
  meta.className = "meta dots";
  for (const text of [data.meta.kind, data.meta.day, data.meta.source, data.meta.topics]) {
    if (text) {
      const span = document.createElement("span");
      span.textContent = text;
      meta.append(span);
    }
  }
  li.append(h2, meta);
  if (!data.meta.kind) li.append(excerpt(data.excerpt));
  return li;
}

async function showMore(mine) {
  const next = hits.slice(shown, shown + PAGE);
  const found = await Promise.all(next.map((hit) => hit.data()));
  if (mine !== round) return;
  list.append(...found.map(item));
  shown += next.length;
  more.hidden = shown >= hits.length;
}

async function run(query) {
  const mine = ++round;
  query = query.trim();
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  hits = [];
  shown = 0;
  more.hidden = true;
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  try {
    const pagefind = await load();
    const result = await pagefind.search(query);
    if (mine !== round) return;
    list.replaceChildren();
    hits = result.results;
    const n = hits.length;
    status.textContent = n ? `${n} result${n === 1 ? "" : "s"} for “${query}”`
      : `No results for “${query}”.`;
    if (n) await showMore(mine);
  } catch (err) {
    if (mine !== round) return;
    status.textContent = "Search could not load. Try again, or browse the archive.";
    console.warn("sitegen search:", err);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  run(input.value);
});
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 250);
});
more.addEventListener("click", () => showMore(round));

load().catch(() => {});   // fetch the index while the reader types; a failure is reported by run()
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
