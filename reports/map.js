/* hdscan interactive dependency map: vanilla JavaScript, no library, no network.
   Reads the JSON in #imap-data (positions precomputed by scanner/report/layout.py), draws
   it on a canvas, and offers pan (drag), zoom (wheel, buttons), search, filters and a panel
   showing a node's tags with the rule and the evidence behind each.  Every word shown comes
   from the data's "t" (the report's catalogue); names are inserted as text, never as HTML. */
(function () {
  "use strict";
  var holder = document.getElementById("imap-data");
  var canvas = document.getElementById("imap");
  if (!holder || !canvas) { return; }
  var D = JSON.parse(holder.textContent);
  var S = D.strings, T = D.t, N = D.nodes, E = D.edges, B = D.boxes;
  var ctx = canvas.getContext("2d");
  var panel = document.getElementById("imap-panel");
  var counter = document.getElementById("imap-count");
  var controls = {
    q: document.getElementById("imap-search"), cls: document.getElementById("imap-cls"),
    tier: document.getElementById("imap-tier"), role: document.getElementById("imap-role"),
    wave: document.getElementById("imap-wave"), site: document.getElementById("imap-site")
  };
  var FILL = { health: "#f4a3a3", personal: "#f9d38c", none: "#c9def5", unknown: "#e2e2e2" };
  var EDGE = ["rgba(110,110,110,0.45)", "rgba(31,95,191,0.8)", "rgba(122,63,176,0.8)"];
  var RADIUS = 5;
  var view = { k: 1, x: 0, y: 0 };
  var shown = new Uint8Array(N.length);
  var visible = 0;
  var selected = -1;
  var byId = {};
  var labels = {};
  N.forEach(function (n, i) { byId[n.id] = i; });
  Object.keys(D.filters).forEach(function (name) {
    labels[name] = {};
    D.filters[name].forEach(function (pair) { labels[name][pair[0]] = pair[1]; });
  });

  function haystack(n) {
    return [n.name, n.id, S[n.app], n.addresses.join(" "), n.roles.join(" ")].join(" ").toLowerCase();
  }
  var hay = N.map(haystack);

  function applyFilters() {
    var q = controls.q.value.trim().toLowerCase();
    var want = { cls: controls.cls.value, tier: controls.tier.value, role: controls.role.value,
                 wave: controls.wave.value, site: controls.site ? controls.site.value : "*" };
    visible = 0;
    for (var i = 0; i < N.length; i++) {
      var n = N[i];
      var ok = (want.cls === "*" || n.cls === want.cls) && (want.tier === "*" || n.tier === want.tier) &&
               (want.role === "*" || n.roles.indexOf(want.role) >= 0) &&
               (want.wave === "*" || n.wave === want.wave) && (want.site === "*" || S[n.site] === want.site) &&
               (q === "" || hay[i].indexOf(q) >= 0);
      shown[i] = ok ? 1 : 0;
      visible += shown[i];
    }
    counter.textContent = T.map_shown.replace("{n}", visible).replace("{total}", N.length);
    counter.setAttribute("data-count", String(visible));
    if (q !== "" && visible > 0) { fitShown(); } else { draw(); }
  }

  /* a search zooms onto what it found */
  function fitShown() {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var i = 0; i < N.length; i++) {
      if (!shown[i]) { continue; }
      x0 = Math.min(x0, N[i].x); y0 = Math.min(y0, N[i].y);
      x1 = Math.max(x1, N[i].x); y1 = Math.max(y1, N[i].y);
    }
    var w = canvas.clientWidth || 800, h = canvas.clientHeight || 600, m = 60;
    view.k = Math.min(4, (w - 2 * m) / Math.max(1, x1 - x0), (h - 2 * m) / Math.max(1, y1 - y0));
    view.x = w / 2 - (x0 + x1) / 2 * view.k;
    view.y = h / 2 - (y0 + y1) / 2 * view.k;
    draw();
  }

  function size() {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    return ratio;
  }

  function fit() {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    B.forEach(function (b) {
      if (b.kind === "site") {
        x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
        x1 = Math.max(x1, b.x + b.w); y1 = Math.max(y1, b.y + b.h);
      }
    });
    if (!isFinite(x0)) { x0 = 0; y0 = 0; x1 = 100; y1 = 100; }
    var w = canvas.clientWidth || 800, h = canvas.clientHeight || 600;
    view.k = Math.min(w / (x1 - x0 + 40), h / (y1 - y0 + 40));
    view.x = (w - (x1 - x0) * view.k) / 2 - x0 * view.k;
    view.y = (h - (y1 - y0) * view.k) / 2 - y0 * view.k;
    draw();
  }

  var pending = false;
  function draw() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(paint);
  }

  function paint() {
    pending = false;
    var ratio = size();
    var k = view.k;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * view.x, ratio * view.y);
    ctx.lineWidth = 1 / k;
    ctx.font = (11 / k) + "px sans-serif";
    B.forEach(function (b) {
      ctx.strokeStyle = b.kind === "site" ? "#5b7083" : "#c5ccd6";
      ctx.beginPath();
      if (b.kind === "site") { ctx.rect(b.x, b.y, b.w, b.h); } else { ctx.arc(b.x, b.y, b.r, 0, 2 * Math.PI); }
      ctx.stroke();
      if (b.kind === "site" || b.r * k > 30) {
        ctx.fillStyle = b.kind === "site" ? "#233246" : "#5b6472";
        if (b.kind === "site") { ctx.fillText(b.label, b.x + 6 / k, b.y + 14 / k); }
        else { ctx.fillText(b.label, b.x - b.r, b.y - b.r - 3 / k); }
      }
    });
    for (var kind = 0; kind < EDGE.length; kind++) {
      ctx.strokeStyle = EDGE[kind];
      ctx.beginPath();
      for (var j = 0; j < E.length; j++) {
        var e = E[j];
        if (e[2] !== kind || !shown[e[0]] || !shown[e[1]]) { continue; }
        ctx.moveTo(N[e[0]].x, N[e[0]].y);
        ctx.lineTo(N[e[1]].x, N[e[1]].y);
      }
      ctx.stroke();
    }
    for (var i = 0; i < N.length; i++) {
      if (!shown[i]) { continue; }
      var n = N[i];
      ctx.beginPath();
      if (n.kind === "endpoint") {
        ctx.rect(n.x - RADIUS, n.y - RADIUS, 2 * RADIUS, 2 * RADIUS);
      } else {
        ctx.arc(n.x, n.y, RADIUS, 0, 2 * Math.PI);
      }
      ctx.fillStyle = n.kind === "endpoint" ? "#ffffff" : FILL[n.cls] || FILL.unknown;
      ctx.fill();
      var red = n.exposure === "extraterritorial_cloud";
      ctx.strokeStyle = red ? "#d00000" : n.tier === "1" ? "#7a0000" : "#5b6472";
      ctx.lineWidth = (red || n.tier === "1" ? 2.5 : 1) / k;
      ctx.stroke();
      if (k > 1.6) { ctx.fillStyle = "#1d2430"; ctx.fillText(n.name, n.x + RADIUS + 2, n.y + 3 / k); }
    }
    if (selected >= 0) {
      var s = N[selected];
      ctx.strokeStyle = "#1f5fbf";
      ctx.lineWidth = 3 / k;
      ctx.beginPath();
      ctx.arc(s.x, s.y, RADIUS + 4 / k + 2, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  function world(clientX, clientY) {
    var r = canvas.getBoundingClientRect();
    return { x: (clientX - r.left - view.x) / view.k, y: (clientY - r.top - view.y) / view.k };
  }

  function nodeAt(clientX, clientY) {
    var p = world(clientX, clientY);
    var best = -1, reach = Math.max(RADIUS + 2, 8 / view.k);
    var bestD = reach * reach;
    for (var i = 0; i < N.length; i++) {
      if (!shown[i]) { continue; }
      var dx = N[i].x - p.x, dy = N[i].y - p.y, d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best;
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function row(dl, key, value) {
    if (value === "" || value === null || value === undefined) { return; }
    dl.appendChild(el("dt", T[key]));
    dl.appendChild(el("dd", value));
  }

  function showPanel(i) {
    selected = i;
    panel.textContent = "";
    if (i < 0) { panel.appendChild(el("p", T.map_panel_hint, "note")); draw(); return; }
    var n = N[i];
    panel.appendChild(el("h3", n.name));
    panel.appendChild(el("code", n.id));
    var dl = el("dl");
    row(dl, "site", S[n.site]);
    row(dl, "map_application", S[n.app]);
    row(dl, "addresses", n.addresses.join(", "));
    row(dl, "roles", n.roles.join(", "));
    if (n.kind === "host") {
      row(dl, "data_class", labels.cls[n.cls]);
      row(dl, "care_tier", labels.tier[n.tier]);
      row(dl, "hosting", S[n.hosting]);
      row(dl, "wave", labels.wave[n.wave]);
      row(dl, "group", n.group);
    }
    row(dl, "exposure", S[n.xl]);
    panel.appendChild(dl);
    panel.appendChild(el("h4", T.rules));
    var list = el("ul", null, "rules");
    n.tags.forEach(function (t) {
      var li = el("li");
      li.appendChild(el("code", S[t[0]] + " = " + S[t[1]]));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("code", S[t[2]], "rule"));
      if (S[t[4]]) { li.appendChild(el("small", " (" + S[t[4]] + ")")); }
      li.appendChild(el("div", S[t[3]], "because"));
      var ev = el("ul", null, "evidence");
      t[5].forEach(function (x) {
        var where = S[x[1]] ? S[x[1]] + (S[x[2]] ? " — " + S[x[2]] : "") : T.map_no_evidence;
        ev.appendChild(el("li", T.map_evidence + " " + S[x[0]] + T.colon + " " + where +
                        (S[x[3]] ? " (" + S[x[3]] + ")" : "")));
      });
      if (t[6] > 0) { ev.appendChild(el("li", T.map_more_evidence.replace("{n}", t[6]))); }
      li.appendChild(ev);
      list.appendChild(li);
    });
    panel.appendChild(list);
    draw();
  }

  function zoom(factor, cx, cy) {
    var k = Math.max(0.02, Math.min(40, view.k * factor));
    view.x = cx - (cx - view.x) * (k / view.k);
    view.y = cy - (cy - view.y) * (k / view.k);
    view.k = k;
    draw();
  }

  var drag = null;
  canvas.addEventListener("pointerdown", function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; }
    if (drag.moved) { view.x = drag.vx + dx; view.y = drag.vy + dy; draw(); }
  });
  window.addEventListener("pointerup", function (ev) {
    if (drag && !drag.moved && ev.target === canvas) { showPanel(nodeAt(ev.clientX, ev.clientY)); }
    drag = null;
  });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 1.2 : 1 / 1.2, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  document.getElementById("imap-in").addEventListener("click", function () {
    zoom(1.5, canvas.clientWidth / 2, canvas.clientHeight / 2);
  });
  document.getElementById("imap-out").addEventListener("click", function () {
    zoom(1 / 1.5, canvas.clientWidth / 2, canvas.clientHeight / 2);
  });
  document.getElementById("imap-fit").addEventListener("click", fit);
  Object.keys(controls).forEach(function (name) {
    if (controls[name]) { controls[name].addEventListener(name === "q" ? "input" : "change", applyFilters); }
  });
  window.addEventListener("resize", draw);

  /* a small read-only handle for tests and for the curious reader's console */
  window.hdscanMap = {
    total: N.length,
    visible: function () { return visible; },
    point: function (id) {
      var i = byId[id], r = canvas.getBoundingClientRect();
      if (i === undefined) { return null; }
      return { x: r.left + view.x + N[i].x * view.k, y: r.top + view.y + N[i].y * view.k };
    },
    selected: function () { return selected < 0 ? null : N[selected].id; }
  };
  applyFilters();
  fit();
  showPanel(-1);
}());

/* focused maps (per application, per wave): their SVG waits in a <template> and is put in
   the page the first time its <details> is opened, so a long report opens quickly. */
(function () {
  "use strict";
  document.querySelectorAll("details.focus").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (!box.open) { return; }
      box.querySelectorAll("template").forEach(function (tpl) {
        var target = tpl.nextElementSibling;
        if (target && target.childElementCount === 0) { target.appendChild(tpl.content.cloneNode(true)); }
      });
    });
  });
}());
