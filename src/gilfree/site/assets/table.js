/* The packages table: search, filter, sort and page up to 15,000 rows from embedded JSON.
   Only one page of rows is in the DOM at a time, so the page stays fast. Every value is
   inserted with textContent (never innerHTML): package text cannot become markup.
   The view lives in the URL (?q=&py=&state=&platform=&sort=&dir=&page=&classified=1
   &curated=1): links can be shared, a reload restores the view and the back button
   returns to the previous one. ?q=NAME&go=1 opens the package page when NAME names
   exactly one package. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("package-data").textContent);
  var targets = data.targets, pythons = data.pythons, platforms = data.platforms;
  var PAGE = 100;
  // States from best to worst for someone installing on a free-threaded Python: native
  // free-threaded wheels (of the newest release, an older one, some platforms), then
  // what installs without them, then what does not install, then what is unknown.
  var STATES = ["ft-all", "older", "ft-some", "pure-fallback", "binary", "pure",
                "needs-build", "blocked", "missing", "error", "pending"];
  var RANK = {};
  STATES.forEach(function (s, i) { RANK[s] = i; });
  var LABEL = {pending: "not checked"};
  Object.keys(data.states).forEach(function (s) { LABEL[s] = data.states[s]; });
  var VERDICT = {F: "free-threaded wheel", P: "pure-Python wheel", B: "binary, no extension module",
                 S: "sdist only: needs a build", N: "no free-threaded wheel", X: "Python version excluded",
                 M: "missing", E: "index error", "-": "not checked"};
  var LEVEL = {1: "Unstable", 2: "Beta", 3: "Stable", 4: "Resilient"};
  var INDEX = {};  // "3.14t-win_arm64" -> position in the verdict codes
  targets.forEach(function (t, i) { INDEX[t] = i; });

  // Row fields (generator.py _table_data): rank, name, version, codes, first ft version,
  // classifier level, summary, tracking issue URL, has nightly index, tested in CI,
  // runtime GIL audit in words, per-Python cells, extra search terms, native, PEP 440
  // order of the version and of the first ft version.
  var rows = data.rows.map(function (r) {
    var cells = {};
    (r[11] || []).forEach(function (c) {
      cells[c[0]] = {state: c[1] || "pending", older: c[3], have: c[4], of: c[5],
                     missing: c[6] ? c[6].split(", ") : []};
    });
    return {rank: r[0], name: r[1], version: r[2], codes: r[3], first: r[4], classifier: r[5],
            summary: r[6], issue: r[7], nightly: r[8], ci: r[9], runtime: r[10] || "",
            cells: cells, terms: " " + (r[12] || "") + " ", native: r[13],
            vorder: r[14], forder: r[15], lower: r[6].toLowerCase()};
  });
  var $ = function (id) { return document.getElementById(id); };
  var form = $("filters"), tbody = document.querySelector("#packages tbody");
  var headers = {};
  document.querySelectorAll("th button[data-sort]").forEach(function (b) {
    headers[b.getAttribute("data-sort")] = b;
  });
  var defaultPython = form.getAttribute("data-python");
  if (pythons.indexOf(defaultPython) === -1) {
    // The newest version is usually still in development: take the one before it.
    defaultPython = pythons.length > 2 ? pythons[pythons.length - 2] : pythons[pythons.length - 1] || "";
  }
  var DEFAULTS = {q: "", py: defaultPython, state: "", platform: "", sort: "rank", dir: "asc",
                  page: 1, classified: false, curated: false};
  var TEXT = ["q", "py", "state", "platform", "sort", "dir"], CHECKS = ["classified", "curated"];
  var view = [], current = copy(DEFAULTS), typing = false;

  function copy(s) {
    var out = {};
    Object.keys(DEFAULTS).forEach(function (k) { out[k] = s[k]; });
    return out;
  }

  // PEP 503: names compare lower-case, with runs of "-", "_" and "." alike.
  function normalize(text) {
    return text.toLowerCase().replace(/[-_.]+/g, "-");
  }

  function field(name) { return form.elements.namedItem(name); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the state of a row on one Python (and one platform) --------------------------

  var PENDING = {state: "pending", older: "", have: 0, of: 0, missing: []};

  function code(r, py, platform) {
    var i = INDEX[py + "t-" + platform];
    return (i === undefined ? "" : r.codes.charAt(i)) || "-";
  }

  // One platform of a Python, from its verdict letter, as verdicts/pystate.py judges it.
  function platformCell(r, c, py, platform) {
    var letter = code(r, py, platform), state;
    var older = c.older && (c.state === "older" ||
                            (c.state === "ft-some" && c.missing.indexOf(platform) === -1));
    if (letter === "F") state = "ft-all";
    else if (letter === "B") state = "binary";
    else if (letter === "P") state = r.native ? "pure-fallback" : "pure";
    else if (letter === "M") state = "missing";
    else if (letter === "E") state = "error";
    else if (letter === "-") state = "pending";
    else if (older) state = "older";
    else state = letter === "S" ? "needs-build" : "blocked";
    return {state: state, older: state === "older" ? c.older : "", have: 0, of: 0, missing: [],
            platform: platform};
  }

  function cellOf(r, py) {
    var c = r.cells[py] || PENDING;
    return current.platform ? platformCell(r, c, py, current.platform) : c;
  }

  function badgeText(c) {
    var text = LABEL[c.state] || c.state;
    if (c.state === "older" && c.older) text = "≤ " + c.older;  // the title says it in words
    if (c.state === "ft-some" && c.of) text += " " + c.have + "/" + c.of;
    return text;
  }

  function describe(c) {
    switch (c.state) {
      case "ft-all": return c.of > 1 ? "free-threaded wheels on all " + c.of + " platforms" : "a free-threaded wheel";
      case "ft-some": return "free-threaded wheels on " + c.have + " of " + c.of + " platforms; none for " + c.missing.join(", ");
      case "older": return "pip installs " + (c.older || "an older release") + " or older, which has free-threaded wheels; the newest release lacks them" + (c.platform ? " here" : " on some platforms");
      case "pure-fallback": return "native wheels are for GIL builds only; a slower pure-Python wheel installs";
      case "binary": return "platform wheels with no extension module";
      case "pure": return "pure Python";
      case "needs-build": return "no wheel: pip would build the sdist";
      case "blocked": return c.missing.length && c.missing.length < c.of ? "blocked on " + c.missing.join(", ") : "no free-threaded wheel and nothing else installs";
      case "missing": return "not on the index";
      case "error": return "unknown: the index could not be read";
      default: return "not checked yet";
    }
  }

  // --- search -----------------------------------------------------------------------

  // Every word must be in the normalized name, an extra term (spellings, import names)
  // or the summary.
  function matcher(q) {
    var words = q.toLowerCase().split(/\s+/).filter(Boolean), names = words.map(normalize);
    return function (r) {
      return words.every(function (w, i) {
        return r.name.indexOf(names[i]) !== -1 || r.terms.indexOf(w) !== -1 || r.lower.indexOf(w) !== -1;
      });
    };
  }

  // The one package a query names (its normalized name, else one import name), or null.
  function named(q) {
    var raw = q.trim().toLowerCase(), name = normalize(raw);
    if (!raw || /\s/.test(raw)) return null;
    var hit = rows.filter(function (r) { return r.name === name; });
    if (!hit.length) hit = rows.filter(function (r) { return r.terms.indexOf(" " + raw + " ") !== -1; });
    return hit.length === 1 ? hit[0] : null;
  }

  // --- filter and sort ----------------------------------------------------------------

  function curated(r) { return r.issue || r.nightly || r.ci; }

  // Names in collation order, computed on the first sort by name.
  var byName = null;

  function nameRank(r) {
    if (!byName) {
      var collator = new Intl.Collator("en", {numeric: true});
      byName = rows.slice().sort(function (a, b) { return collator.compare(a.name, b.name); });
      byName.forEach(function (row, i) { row.nameRank = i; });
    }
    return r.nameRank;
  }

  // Each row gets two numbers: "sorts last whatever the direction" (0 or 1), then its value.
  function setKey(r) {
    var key = current.sort, last = 0, value = r.rank;
    if (key === "name") value = nameRank(r);
    else if (key === "version") { last = r.vorder < 0 ? 1 : 0; value = r.vorder; }
    else if (key === "first") { last = r.forder < 0 ? 1 : 0; value = r.forder; }
    else if (key === "classifier") { last = r.classifier ? 0 : 1; value = -r.classifier; }
    else if (/t$/.test(key)) {
      var state = cellOf(r, key.slice(0, -1)).state;
      last = state === "pending" ? 1 : 0;
      value = RANK[state];
    }
    r.last = last;
    r.value = value;
  }

  function filter() {
    var s = current, match = s.q.trim() ? matcher(s.q) : null;
    view = rows.filter(function (r) {
      return (!match || match(r)) && (!s.state || cellOf(r, s.py).state === s.state) &&
             (!s.classified || r.classifier > 0) && (!s.curated || curated(r));
    });
    var dir = s.dir === "desc" ? -1 : 1;
    view.forEach(setKey);
    view.sort(function (a, b) { return (a.last - b.last) || dir * (a.value - b.value) || a.rank - b.rank; });
  }

  // --- render -------------------------------------------------------------------------

  function strip(r, py) {
    var box = el("span", "strip"), shown = current.platform ? [current.platform] : platforms;
    shown.forEach(function (platform) {
      var letter = code(r, py, platform), b = el("b", "v v-" + letter, letter);
      b.title = py + "t-" + platform + ": " + VERDICT[letter];
      box.appendChild(b);
    });
    return box;
  }

  function pythonCell(r, py) {
    var c = cellOf(r, py), picked = current.state && py === current.py;
    var td = el("td", "py" + (picked ? " picked" : ""));
    td.setAttribute("data-label", py + "t" + (current.platform ? " " + current.platform : ""));
    var badge = el("span", "badge st-" + c.state, badgeText(c));
    badge.title = py + "t" + (current.platform ? " on " + current.platform : "") + ": " + describe(c);
    td.appendChild(badge);
    if (r.codes) td.appendChild(strip(r, py));
    return td;
  }

  function fact(cls, label, text) {
    var td = el("td", "fact " + cls + (text ? "" : " empty"), text || "-");
    td.setAttribute("data-label", label);
    return td;
  }

  function curatedCell(r) {
    var issue = /^https?:\/\//i.test(r.issue);
    if (!issue && !r.nightly && !r.ci) return fact("curated-cell", "Curated", "");
    var td = el("td", "fact curated-cell");
    td.setAttribute("data-label", "Curated");
    if (issue) { var link = el("a", null, "issue"); link.href = r.issue; td.appendChild(link); }
    if (r.nightly) td.appendChild(el("span", "tag", "nightly"));
    if (r.ci) td.appendChild(el("span", "tag", "CI"));
    return td;
  }

  function classifierCell(r) {
    var td = fact("num classifier", "Classifier", r.classifier ? String(r.classifier) : "");
    if (r.classifier && LEVEL[r.classifier]) td.appendChild(el("span", "level", " " + LEVEL[r.classifier]));
    return td;
  }

  function row(r) {
    var tr = el("tr");
    tr.appendChild(el("td", "num rank", r.rank.toLocaleString("en")));
    var name = el("td", "name"), a = el("a", null, r.name);
    a.href = "p/" + encodeURIComponent(r.name) + ".html";
    name.appendChild(a);
    if (r.summary) name.appendChild(el("span", "summary", r.summary));
    tr.appendChild(name);
    tr.appendChild(fact("ver", "Version", r.version));
    pythons.forEach(function (py) { tr.appendChild(pythonCell(r, py)); });
    tr.appendChild(fact("first", "First ft wheel", r.first));
    tr.appendChild(classifierCell(r));
    tr.appendChild(fact("runtime" + (/re-enables/.test(r.runtime) ? " gil-on" : ""), "Runtime", r.runtime));
    tr.appendChild(curatedCell(r));
    return tr;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    current.page = Math.min(Math.max(1, current.page), pages);
    var start = (current.page - 1) * PAGE, frag = document.createDocumentFragment();
    view.slice(start, start + PAGE).forEach(function (r) { frag.appendChild(row(r)); });
    tbody.replaceChildren(frag);
    var shown = view.length ? (start + 1).toLocaleString("en") + "–" +
      Math.min(start + PAGE, view.length).toLocaleString("en") : "0";
    $("count").textContent = "Showing " + shown + " of " + view.length.toLocaleString("en") +
      " packages" + (view.length !== rows.length ? " (filtered from " + rows.length.toLocaleString("en") + ")" : "") +
      (current.platform ? "; states and letters for " + current.platform + " only" : "");
    $("page").textContent = "Page " + current.page + " of " + pages;
    $("prev").disabled = current.page === 1;
    $("next").disabled = current.page >= pages;
    Object.keys(headers).forEach(function (key) {
      var th = headers[key].parentNode, on = key === current.sort;
      th.setAttribute("aria-sort", on ? (current.dir === "desc" ? "descending" : "ascending") : "none");
      th.classList.toggle("picked", Boolean(current.state) && key === current.py + "t");
    });
  }

  // --- the URL ------------------------------------------------------------------------

  function valid(key, value) {
    switch (key) {
      case "py": return pythons.indexOf(value) !== -1;
      case "state": return value === "" || RANK[value] !== undefined;
      case "platform": return value === "" || platforms.indexOf(value) !== -1;
      case "sort": return Object.prototype.hasOwnProperty.call(headers, value);
      case "dir": return value === "asc" || value === "desc";
      default: return true;
    }
  }

  function fromURL(search) {
    var params = new URLSearchParams(search), s = copy(DEFAULTS);
    TEXT.forEach(function (k) {
      var v = params.get(k);
      if (v !== null && valid(k, v)) s[k] = v;
    });
    var page = parseInt(params.get("page"), 10);
    if (page > 0) s.page = page;
    s.classified = params.get("classified") === "1";
    s.curated = params.get("curated") === "1";
    return s;
  }

  function toURL(s) {
    var params = new URLSearchParams();
    ["q", "py", "state", "platform", "sort", "dir", "page", "classified", "curated"].forEach(function (k) {
      if (s[k] === DEFAULTS[k] || s[k] === "") return;
      params.set(k, s[k] === true ? "1" : String(s[k]));
    });
    var text = params.toString();
    return location.pathname + (text ? "?" + text : "") + location.hash;
  }

  function toForm(s) {
    TEXT.forEach(function (k) { field(k).value = s[k]; });
    CHECKS.forEach(function (k) { field(k).checked = s[k]; });
  }

  function fromForm() {
    var s = copy(current);
    TEXT.forEach(function (k) { s[k] = field(k).value; });
    CHECKS.forEach(function (k) { s[k] = field(k).checked; });
    return s;
  }

  // history: "push" a new entry, "replace" the current one, or leave it ("none").
  function show(s, history) {
    current = s;
    filter();
    render();
    var url = toURL(current);
    try {
      if (history === "push" && url !== location.pathname + location.search + location.hash) {
        window.history.pushState(null, "", url);
      } else if (history !== "none") {
        window.history.replaceState(null, "", url);
      }
    } catch (e) {
      // Some browsers refuse history changes on file:// pages: the table still works.
    }
  }

  // --- events -------------------------------------------------------------------------

  function fillStates() {
    STATES.forEach(function (s) {
      var option = el("option", null, LABEL[s]);
      option.value = s;
      field("state").appendChild(option);
    });
  }

  Object.keys(headers).forEach(function (key) {
    headers[key].addEventListener("click", function () {
      var s = copy(current);
      s.dir = s.sort === key && s.dir === "asc" ? "desc" : "asc";
      s.sort = key;
      s.page = 1;
      typing = false;
      toForm(s);
      show(s, "push");
    });
  });
  // Typing replaces the history entry its first key stroke pushed: one entry per search.
  form.addEventListener("input", function (e) {
    if (e.target !== field("q")) return;
    var s = fromForm();
    s.page = 1;
    show(s, typing ? "replace" : "push");
    typing = true;
  });
  // Text fields already update on "input"; re-rendering again when the search box loses
  // focus would replace the very link being clicked.
  form.addEventListener("change", function (e) {
    if (e.target === field("q")) { typing = false; return; }
    var s = fromForm();
    s.page = 1;
    typing = false;
    show(s, "push");
  });
  function turn(by) {
    var s = copy(current);
    s.page += by;
    typing = false;
    show(s, "push");
  }
  $("prev").addEventListener("click", function () { turn(-1); });
  $("next").addEventListener("click", function () { turn(1); });
  window.addEventListener("popstate", function () {
    typing = false;
    var s = fromURL(location.search);
    toForm(s);
    show(s, "none");
  });

  var initial = fromURL(location.search);
  if (new URLSearchParams(location.search).get("go") === "1") {
    var target = named(initial.q);
    if (target) {
      location.replace("p/" + encodeURIComponent(target.name) + ".html");
      return;
    }
  }
  fillStates();
  $("table-app").hidden = false;
  toForm(initial);
  show(initial, "replace");
})();
