/* The packages table: filter, sort and page up to 15,000 rows from embedded JSON.
   Only one page of rows is in the DOM at a time, so the page stays fast. Every value is
   inserted with textContent (never innerHTML): package text cannot become markup. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("package-data").textContent);
  var targets = data.targets;
  var PAGE = 100;
  var CATEGORY = {F: "ready", B: "ready", P: "pure", S: "unknown", N: "blocked", X: "blocked", M: "blocked", E: "error"};
  var ORDER = {ready: 0, pure: 1, unknown: 2, blocked: 3, error: 4, "": 5};
  var LABEL = {ready: "free-threaded wheel", pure: "pure Python", unknown: "needs a build",
               blocked: "blocked", error: "index error", "": "not checked"};
  var VERDICT = {F: "ft-wheel", P: "pure", B: "binary", S: "needs-build", N: "no-ft-wheel",
                 X: "python-excluded", M: "missing", E: "error", "-": "not checked"};
  // Row fields (generator.py _table_data): rank, name, version, codes, first ft version,
  // classifier level, summary, tracking issue URL, has nightly index, tested in CI,
  // runtime GIL audit in words ("" when not audited).
  var rows = data.rows.map(function (r) {
    return {rank: r[0], name: r[1], version: r[2], codes: r[3], first: r[4], classifier: r[5],
            summary: r[6], issue: r[7], nightly: r[8], ci: r[9], runtime: r[10] || "",
            text: (r[1] + " " + r[6]).toLowerCase()};
  });
  var $ = function (id) { return document.getElementById(id); };
  var form = $("filters"), tbody = document.querySelector("#packages tbody");
  var state = {sort: "rank", dir: 1, page: 0};
  var view = rows;

  function selectedTargets() {
    var py = form.python.value, plat = form.platform.value, out = [];
    targets.forEach(function (t, i) {
      var parts = t.split("t-");
      if ((!py || parts[0] === py) && (!plat || parts[1] === plat)) out.push(i);
    });
    return out;
  }

  function category(codes, idx) {
    if (!codes) return "";
    var seen = {};
    idx.forEach(function (i) { var c = CATEGORY[codes.charAt(i)]; if (c) seen[c] = true; });
    if (seen.error) return "error";
    if (seen.blocked) return "blocked";
    if (seen.unknown) return "unknown";
    if (seen.ready) return "ready";
    return seen.pure ? "pure" : "";
  }

  var collator = new Intl.Collator("en", {numeric: true});
  var KEYS = {
    rank: function (a, b) { return a.rank - b.rank; },
    name: function (a, b) { return collator.compare(a.name, b.name); },
    version: function (a, b) { return collator.compare(a.version, b.version); },
    category: function (a, b) { return ORDER[a.cat] - ORDER[b.cat]; },
    first: function (a, b) { return (!a.first - !b.first) || collator.compare(a.first, b.first); },
    classifier: function (a, b) { return b.classifier - a.classifier; }
  };

  function apply(keepPage) {
    var q = form.q.value.trim().toLowerCase(), want = form.category.value;
    var idx = selectedTargets(), classified = form.classified.checked, curated = form.curated.checked;
    view = rows.filter(function (r) {
      r.cat = category(r.codes, idx);
      return (!q || r.text.indexOf(q) !== -1) && (!want || r.cat === want) &&
             (!classified || r.classifier > 0) && (!curated || r.issue || r.nightly || r.ci);
    });
    var cmp = KEYS[state.sort], dir = state.dir;
    view.sort(function (a, b) { return dir * cmp(a, b) || a.rank - b.rank; });
    if (!keepPage) state.page = 0;
    render(idx);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function verdictCell(r, idx) {
    var td = el("td", "strips"), groups = {};
    idx.forEach(function (i) {
      var py = targets[i].split("t-")[0];
      if (!groups[py]) { groups[py] = el("span", "strip"); td.appendChild(groups[py]); }
      var code = r.codes.charAt(i) || "-";
      var b = el("b", "v v-" + code, code);
      b.title = targets[i] + ": " + VERDICT[code];
      groups[py].appendChild(b);
    });
    return td;
  }

  function render(idx) {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    var start = state.page * PAGE, frag = document.createDocumentFragment();
    view.slice(start, start + PAGE).forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", "num", r.rank.toLocaleString("en")));
      var name = el("td", "name"), a = el("a", null, r.name);
      a.href = "p/" + encodeURIComponent(r.name) + ".html";
      name.appendChild(a);
      if (r.summary) name.appendChild(el("span", "summary", r.summary));
      tr.appendChild(name);
      tr.appendChild(el("td", null, r.version || "-"));
      var cat = el("td"), badge = el("span", "badge c-" + (r.cat || "none"), LABEL[r.cat]);
      cat.appendChild(badge);
      tr.appendChild(cat);
      tr.appendChild(verdictCell(r, idx));
      tr.appendChild(el("td", null, r.first || "-"));
      tr.appendChild(el("td", "num", r.classifier ? String(r.classifier) : "-"));
      tr.appendChild(el("td", "runtime" + (/^re-enables/.test(r.runtime) ? " gil-on" : ""), r.runtime || "-"));
      var cur = el("td", "curated-cell");
      if (/^https?:\/\//i.test(r.issue)) { var link = el("a", null, "issue"); link.href = r.issue; cur.appendChild(link); }
      if (r.nightly) cur.appendChild(el("span", "tag", "nightly"));
      if (r.ci) cur.appendChild(el("span", "tag", "CI"));
      tr.appendChild(cur);
      frag.appendChild(tr);
    });
    tbody.replaceChildren(frag);
    var shown = view.length ? (start + 1).toLocaleString("en") + "–" +
      Math.min(start + PAGE, view.length).toLocaleString("en") : "0";
    $("count").textContent = "Showing " + shown + " of " + view.length.toLocaleString("en") +
      " packages" + (view.length !== rows.length ? " (filtered from " + rows.length.toLocaleString("en") + ")" : "");
    $("page").textContent = "Page " + (state.page + 1) + " of " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
  }

  document.querySelectorAll("th button[data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-sort");
      state.dir = state.sort === key ? -state.dir : 1;
      state.sort = key;
      document.querySelectorAll("th[aria-sort]").forEach(function (th) { th.setAttribute("aria-sort", "none"); });
      button.parentNode.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      apply(false);
    });
  });
  form.addEventListener("input", function () { apply(false); });
  // Text fields already update on "input"; re-rendering again when the search box loses
  // focus would replace the very link being clicked.
  form.addEventListener("change", function (e) { if (e.target.type !== "search") apply(false); });
  $("prev").addEventListener("click", function () { state.page -= 1; render(selectedTargets()); });
  $("next").addEventListener("click", function () { state.page += 1; render(selectedTargets()); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) form.q.value = initial;
  apply(false);
})();
