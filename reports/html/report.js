/* bio2scan report: views, language switch, and the findings table (filter, sort, search,
   pages) rendered from the JSON data island. Estate data is only ever put into the page with
   textContent, never as markup. The page reads fine without this script; it only adds
   interaction. The page holds one copy of the report per language (a "langroot"); each gets
   its own instance of the table, sharing the rows of the island. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("bio2scan-data").textContent);
  var S = D.s, ROWS = D.r, PAGE = 100;
  var html = document.documentElement;
  html.classList.add("js");

  function str(i) { return i < 0 ? "" : S[i]; }
  /* resource id = interned prefix + last segment; name -2 = "the id's last segment" */
  function rid(r) { return str(r[2][0]) + str(r[2][1]); }
  function rname(r) { return r[4] === -2 ? str(r[2][1]) : str(r[4]); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  var hay = null;
  function haystack() {
    if (!hay) {
      hay = ROWS.map(function (r) {
        return (rid(r) + "\u0001" + rname(r) + "\u0001" + str(r[1]) + "\u0001" + str(r[12]) +
          "\u0001" + str(r[5]) + "\u0001" + str(r[3]) + "\u0001" + r[0]).toLowerCase();
      });
    }
    return hay;
  }
  function sortValue(r, key) {
    switch (key) {
      case "status": return r[8] * 10 + r[9];
      case "severity": return r[9] * 10 + r[8];
      case "rule": return str(r[1]);
      case "resource": return rname(r) + "\u0000" + rid(r);
      case "scope": return str(r[5]) + "\u0000" + str(r[6]) + str(r[7]);
      default: return 0;
    }
  }

  function App(root) {
    var P = root.getAttribute("data-prefix") || "", L = root.getAttribute("lang");
    var T = D.i18n[L] || {}, RULES = D.rules[L] || {};
    var byId = function (id) { return document.getElementById(P + id); };
    function t(key, vals) {
      var s = T[key] || key;
      if (vals) { Object.keys(vals).forEach(function (k) { s = s.split("{" + k + "}").join(String(vals[k])); }); }
      return s;
    }
    function badge(kind) { return el("span", "badge b-" + kind, t(kind)); }

    /* views */
    var views = Array.prototype.slice.call(root.querySelectorAll("section.view"));
    var links = Array.prototype.slice.call(root.querySelectorAll("nav.views a"));
    function show(name) {
      if (!views.some(function (v) { return v.getAttribute("data-view") === name; })) {
        name = views[0].getAttribute("data-view");
      }
      views.forEach(function (v) { v.classList.toggle("active", v.getAttribute("data-view") === name); });
      links.forEach(function (a) { a.classList.toggle("active", a.getAttribute("href") === "#" + name); });
    }

    /* findings */
    var F = { status: "", severity: "", control: "", scope: "", q: "" };
    var sortKey = "status", sortDir = 1, page = 0, filtered = [], open = {};
    var tbody = byId("fbody");

    function apply() {
      var st = F.status === "" ? -1 : D.statuses.indexOf(F.status);
      var sv = F.severity === "" ? -1 : D.severities.indexOf(F.severity);
      var q = F.q.trim().toLowerCase(), h = q ? haystack() : null;
      var ctl = F.control, scope = F.scope, out = [];
      for (var i = 0; i < ROWS.length; i++) {
        var r = ROWS[i];
        if (st >= 0 && r[8] !== st) { continue; }
        if (sv >= 0 && r[9] !== sv) { continue; }
        if (scope && str(r[5]) !== scope) { continue; }
        if (ctl && ("," + str(r[10]) + ",").indexOf("," + ctl + ",") < 0) { continue; }
        if (q && h[i].indexOf(q) < 0) { continue; }
        out.push(i);
      }
      var key = sortKey, dir = sortDir, keys = new Array(ROWS.length);
      out.forEach(function (i) { keys[i] = sortValue(ROWS[i], key); });
      out.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (x < y) { return -dir; }
        if (x > y) { return dir; }
        return a - b;
      });
      filtered = out;
      page = 0;
      draw();
    }

    function detail(r) {
      var rule = RULES[str(r[1])] || ["", "", ""];
      var dl = el("dl", "fd");
      function add(label, value) {
        dl.appendChild(el("dt", null, label));
        var dd = el("dd");
        if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = value || "—"; }
        dl.appendChild(dd);
      }
      add(t("finding_id"), r[0]);
      add(t("resource"), rname(r));
      add(t("resource_id"), rid(r));
      add(t("resource_type"), str(r[3]));
      add(t("scope"), str(r[5]));
      add(t("location"), [str(r[6]), str(r[7])].filter(Boolean).join(" / "));
      add(t("rule"), str(r[1]) + " — " + rule[0]);
      add(t("controls_measures"), [str(r[10]), str(r[11])].filter(Boolean).join(" · "));
      if (r[12] >= 0) { add(t("message"), str(r[12])); }
      add(t("why"), rule[1]);
      if (r[13].length) {
        var tb = el("table", "ev"), head = el("tr");
        [t("evidence_path"), t("evidence_value"), t("evidence_expected")].forEach(function (x) { head.appendChild(el("th", null, x)); });
        tb.appendChild(head);
        r[13].forEach(function (e) {
          var tr = el("tr");
          tr.appendChild(el("td", "mono", str(e[0])));
          tr.appendChild(el("td", "mono", typeof e[1] === "string" && / … \[\d+ /.test(e[1]) ? e[1] : JSON.stringify(e[1])));
          tr.appendChild(el("td", "mono", str(e[2])));
          tb.appendChild(tr);
        });
        add(t("evidence"), tb);
      } else { add(t("evidence"), ""); }
      var src = r[14];
      add(t("source"), src[3] >= 0 ? t("source_file", { file: str(src[3]), line: src[4] || "?" })
        : (src[0] >= 0 ? t("source_api", { api: str(src[0]) + (src[1] >= 0 ? " (" + str(src[1]) + ")" : ""), time: str(src[2]) || "?" }) : ""));
      add(t("remediation"), rule[2]);
      if (r[15] >= 0) {
        var w = D.waivers[r[15]];
        add(t("waiver"), [w.id, t(w.kind || "risk-acceptance")].filter(Boolean).join(" — "));
        add(t("waiver_owner"), w.owner);
        add(t("waiver_approver"), w.approver);
        add(t("waiver_reason"), w.reason);
        add(t("waiver_reference"), w.reference);
        add(t("waiver_expires"), w.expires);
      }
      return dl;
    }

    function draw() {
      var total = filtered.length, pages = Math.max(1, Math.ceil(total / PAGE));
      if (page >= pages) { page = pages - 1; }
      var frag = document.createDocumentFragment();
      filtered.slice(page * PAGE, page * PAGE + PAGE).forEach(function (i) {
        var r = ROWS[i], tr = el("tr", "row");
        tr.setAttribute("data-i", String(i));
        tr.tabIndex = 0;
        tr.setAttribute("aria-expanded", open[i] ? "true" : "false");
        var c1 = el("td"); c1.appendChild(badge(D.statuses[r[8]])); tr.appendChild(c1);
        var c2 = el("td"); c2.appendChild(badge(D.severities[r[9]])); tr.appendChild(c2);
        var c3 = el("td"); c3.appendChild(el("div", null, rname(r))); c3.appendChild(el("div", "mono muted", rid(r))); tr.appendChild(c3);
        var c4 = el("td"); c4.appendChild(el("div", "mono", str(r[1]))); c4.appendChild(el("div", "muted", (RULES[str(r[1])] || [""])[0])); tr.appendChild(c4);
        tr.appendChild(el("td", null, [str(r[5]), str(r[6]), str(r[7])].filter(Boolean).join(" / ")));
        var c6 = el("td"); if (r[16] >= 0) { c6.appendChild(badge(D.changes[r[16]])); } tr.appendChild(c6);
        frag.appendChild(tr);
        if (open[i]) {
          var dr = el("tr", "detail"), td = el("td");
          td.colSpan = 6; td.appendChild(detail(r)); dr.appendChild(td); frag.appendChild(dr);
        }
      });
      tbody.textContent = "";
      tbody.appendChild(frag);
      byId("fcount").textContent = t("shown", { n: total, total: ROWS.length });
      byId("fpage").textContent = t("page", { p: page + 1, n: pages });
      byId("fprev").disabled = page === 0;
      byId("fnext").disabled = page >= pages - 1;
    }

    var ready = false;
    function start() {  /* the table is built the first time its language is shown */
      if (ready || !tbody) { return; }
      ready = true;
      byId("fdynamic").hidden = false;
      byId("fstatic").hidden = true;
      ["status", "severity", "control", "scope"].forEach(function (k) {
        byId("f-" + k).addEventListener("change", function (e) { F[k] = e.target.value; apply(); });
      });
      var timer = null;
      byId("f-q").addEventListener("input", function (e) {
        clearTimeout(timer);
        timer = setTimeout(function () { F.q = e.target.value; apply(); }, 150);
      });
      byId("fclear").addEventListener("click", function () {
        F = { status: "", severity: "", control: "", scope: "", q: "" };
        ["status", "severity", "control", "scope", "q"].forEach(function (k) { byId("f-" + k).value = ""; });
        apply();
      });
      byId("fprev").addEventListener("click", function () { page -= 1; draw(); });
      byId("fnext").addEventListener("click", function () { page += 1; draw(); });
      function toggle(tr) {
        var i = Number(tr.getAttribute("data-i"));
        open[i] = !open[i];
        draw();
        var again = tbody.querySelector('tr.row[data-i="' + i + '"]');
        if (again) { again.focus(); }
      }
      tbody.addEventListener("click", function (e) {
        var tr = e.target.closest("tr.row");
        if (tr) { toggle(tr); }
      });
      tbody.addEventListener("keydown", function (e) {
        var tr = e.target.closest("tr.row");
        if (tr && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggle(tr); }
      });
      var ths = root.querySelectorAll(".ftable th[data-sort]");
      each(ths, function (th) {
        th.addEventListener("click", function () {
          var k = th.getAttribute("data-sort");
          sortDir = sortKey === k ? -sortDir : 1;
          sortKey = k;
          each(ths, function (o) { o.classList.remove("asc", "desc"); });
          th.classList.add(sortDir > 0 ? "asc" : "desc");
          apply();
        });
      });
      /* "show findings" links in the control view: the findings of that control */
      each(root.querySelectorAll("a[data-control]"), function (a) {
        a.addEventListener("click", function () {
          F.control = a.getAttribute("data-control");
          F.status = a.getAttribute("data-status") || "";
          byId("f-control").value = F.control;
          byId("f-status").value = F.status;
          apply();
        });
      });
      apply();
    }
    return { root: root, lang: L, show: show, start: start };
  }

  var apps = Array.prototype.slice.call(document.querySelectorAll(".langroot")).map(App);
  var active = apps[0];
  function route() {
    active.start();
    var name = (location.hash || "#overview").slice(1).split("?")[0];
    if (name.indexOf("control-") === 0) {  /* a control from the overview's grid */
      active.show("controls");
      var d = document.getElementById((active.root.getAttribute("data-prefix") || "") + name);
      if (d) { d.open = true; d.scrollIntoView(); }
      return;
    }
    active.show(name);
  }
  function setLang(code) {
    apps.forEach(function (a) {
      a.root.hidden = a.lang !== code;
      if (a.lang === code) { active = a; }
    });
    html.lang = active.lang;
    document.title = active.root.getAttribute("data-title");
    route();
  }
  each(document.querySelectorAll("nav.langs"), function (nav) {
    nav.hidden = false;
    each(nav.querySelectorAll("a[data-lang]"), function (a) {
      a.classList.toggle("active", a.getAttribute("data-lang") === nav.closest(".langroot").getAttribute("lang"));
      a.addEventListener("click", function (e) { e.preventDefault(); setLang(a.getAttribute("data-lang")); });
    });
  });
  window.addEventListener("hashchange", route);
  route();
  if (window.performance && performance.mark) { performance.mark("bio2scan:ready"); }
})();
