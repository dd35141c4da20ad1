/* Site search over the guide's sections and the tracked packages (data/search-index.js).
   Runs in the browser, offline: every result is built with textContent, never innerHTML. */
(function () {
  "use strict";
  var form = document.getElementById("search-form"), input = document.getElementById("search-q");
  var docList = document.getElementById("doc-results"), pkgList = document.getElementById("pkg-results");
  var count = document.getElementById("search-count");
  var data = null;

  function norm(text) { return String(text || "").toLowerCase().replace(/[-_.]+/g, "-"); }
  function words(q) { return norm(q).split(/\s+/).filter(Boolean); }

  function score(hay, terms) {
    var s = 0;
    for (var i = 0; i < terms.length; i++) {
      var at = hay.indexOf(terms[i]);
      if (at === -1) return 0;
      s += at === 0 ? 3 : 1;
    }
    return s;
  }

  function item(list, href, title, detail) {
    var li = document.createElement("li"), a = document.createElement("a");
    a.href = href;
    a.textContent = title;
    li.appendChild(a);
    if (detail) {
      var p = document.createElement("p");
      p.textContent = detail;
      li.appendChild(p);
    }
    list.appendChild(li);
  }

  function run(q) {
    docList.replaceChildren();
    pkgList.replaceChildren();
    var terms = words(q);
    if (!terms.length || !data) { count.textContent = data ? "" : "Loading…"; return; }
    var docs = data.docs.map(function (d) {
      var head = norm(d.t + " " + d.h);
      return {d: d, s: 2 * score(head, terms) + score(head + " " + norm(d.x), terms)};
    }).filter(function (r) { return r.s > 0; }).sort(function (a, b) { return b.s - a.s; }).slice(0, 30);
    docs.forEach(function (r) {
      item(docList, r.d.u, r.d.h ? r.d.t + " › " + r.d.h : r.d.t, r.d.x.slice(0, 200));
    });
    var pkgs = data.packages.map(function (p) {
      var names = norm(p[0] + " " + p[1]);
      var exact = terms.length === 1 && (norm(p[0]) === terms[0] || (" " + names + " ").indexOf(" " + terms[0] + " ") !== -1);
      return {p: p, s: (exact ? 100 : 0) + 3 * score(names, terms) + score(names + " " + norm(p[2]), terms)};
    }).filter(function (r) { return r.s > 0; }).sort(function (a, b) { return b.s - a.s; }).slice(0, 30);
    pkgs.forEach(function (r) { item(pkgList, "p/" + encodeURIComponent(r.p[0]) + ".html", r.p[0], r.p[3]); });
    count.textContent = docs.length + " guide sections, " + pkgs.length + " packages";
  }

  var initial = new URLSearchParams(location.search).get("q") || "";
  input.value = initial;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.pushState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value);
  });
  input.addEventListener("input", function () {
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value);
  });
  window.addEventListener("popstate", function () {
    input.value = new URLSearchParams(location.search).get("q") || "";
    run(input.value);
  });
  data = window.gilfreeSearch || null;  // data/search-index.js, loaded before this script
  if (!data) count.textContent = "The search index could not be loaded.";
  run(input.value);
})();
