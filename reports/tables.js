/* hdscan long tables: vanilla JavaScript, no library, no network.
   Each JSON script element of class "table-data" holds one table built by
   scanner/report/tables.py; its rows are drawn into the <tbody> of the table it names, one
   page at a time, with a search box and previous/next buttons.  A 5,000-row table is then
   laid out 100 rows at a time instead of all at once.  Every text is inserted with
   textContent; every word shown comes from the catalogue in #tables-words. */
(function () {
  "use strict";
  var wordsHolder = document.getElementById("tables-words");
  if (!wordsHolder) { return; }
  var T = JSON.parse(wordsHolder.textContent);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function cell(kind, value, S) {
    var td = el("td");
    if (kind === "host") {
      td.appendChild(el("strong", "", value[0]));
      td.appendChild(el("br"));
      td.appendChild(el("code", "", value[1]));
    } else if (kind === "code") {
      td.appendChild(el("code", "", value));
    } else if (kind === "items") {
      td.textContent = value.join(", ");
    } else if (kind === "fit") {
      td.className = "fit-" + value[0];
      td.textContent = value[1];
    } else if (kind === "list" || kind === "checklist") {
      var list = el("ul", kind === "checklist" ? "checklist" : "");
      value.forEach(function (item) {
        var li = el("li");
        if (kind === "checklist") {
          li.appendChild(el("strong", "", item[0]));
          li.appendChild(document.createTextNode(T.colon + " " + item[1]));
        } else {
          li.textContent = item;
        }
        list.appendChild(li);
      });
      td.appendChild(list);
    } else if (kind === "rules") {
      var ul = el("ul", "rules");
      value.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("code", "", S[r[0]]));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("code", "rule", S[r[1]]));
        if (S[r[2]]) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("small", "", "(" + S[r[2]] + ")"));
        }
        li.appendChild(el("br"));
        li.appendChild(el("span", "because", S[r[3]]));
        ul.appendChild(li);
      });
      td.appendChild(ul);
    } else {
      td.textContent = value;
    }
    return td;
  }

  function haystack(row, columns, S) {
    var parts = [];
    for (var c = 0; c < columns.length; c++) {
      var v = row[c + 1];
      if (columns[c] === "rules") {
        v.forEach(function (r) { parts.push(S[r[0]], S[r[1]], S[r[2]], S[r[3]]); });
      } else if (columns[c] === "checklist") {
        v.forEach(function (item) { parts.push(item[0], item[1]); });
      } else if (Array.isArray(v)) {
        parts.push(v.join(" "));
      } else {
        parts.push(v);
      }
    }
    return parts.join(" ").toLowerCase();
  }

  function setup(holder) {
    var D = JSON.parse(holder.textContent);
    var table = document.getElementById(D.id);
    if (!table) { return null; }
    var body = table.tBodies[0];
    var box = document.querySelector("input.table-search[data-table=\"" + D.id + "\"]");
    var count = document.querySelector(".table-count[data-table=\"" + D.id + "\"]");
    var prev = document.querySelector("button.table-prev[data-table=\"" + D.id + "\"]");
    var next = document.querySelector("button.table-next[data-table=\"" + D.id + "\"]");
    var hay = null;
    var matching = D.rows.map(function (_, i) { return i; });
    var start = 0;

    function draw() {
      var frag = document.createDocumentFragment();
      var last = Math.min(start + D.page, matching.length);
      for (var i = start; i < last; i++) {
        var row = D.rows[matching[i]];
        var tr = el("tr", row[0]);
        for (var c = 0; c < D.columns.length; c++) { tr.appendChild(cell(D.columns[c], row[c + 1], D.strings)); }
        frag.appendChild(tr);
      }
      body.textContent = "";
      body.appendChild(frag);
      count.textContent = T.table_page.replace("{first}", matching.length ? start + 1 : 0)
        .replace("{last}", last).replace("{total}", matching.length);
      count.setAttribute("data-count", String(matching.length));
      count.setAttribute("data-shown", String(last - start));
      prev.disabled = start === 0;
      next.disabled = last >= matching.length;
    }

    function search() {
      var q = box.value.trim().toLowerCase();
      if (hay === null) { hay = D.rows.map(function (r) { return haystack(r, D.columns, D.strings); }); }
      matching = [];
      for (var i = 0; i < D.rows.length; i++) { if (q === "" || hay[i].indexOf(q) >= 0) { matching.push(i); } }
      start = 0;
      draw();
    }

    box.addEventListener("input", search);
    prev.addEventListener("click", function () { start = Math.max(0, start - D.page); draw(); });
    next.addEventListener("click", function () {
      if (start + D.page < matching.length) { start += D.page; draw(); }
    });
    table.hidden = false;
    box.hidden = false;
    count.parentNode.hidden = false;
    draw();
    return { id: D.id, total: D.rows.length,
             search: function (q) { box.value = q; search(); return matching.length; },
             pageSize: function (n) { D.page = Math.max(1, n); start = 0; draw(); } };
  }

  var tables = {};
  document.querySelectorAll("script.table-data").forEach(function (holder) {
    var t = setup(holder);
    if (t) { tables[t.id] = t; }
  });
  window.hdscanTables = tables;
}());
