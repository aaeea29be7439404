// The interactive part of report.html: filters, grouping, search and sorting over the JSON island.
// Every value from a finding reaches the page through textContent or a checked href, never as markup.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const $ = (id) => document.getElementById(id);
  const state = { stage: "", tool: "", severity: "", disposition: "", q: "", group: "stage", sort: "rank", dir: 1 };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }
  // Only the links the Python side built: http(s) URLs, relative file links and rule anchors.
  function safeHref(url) {
    return typeof url === "string" && /^(https?:\/\/|\.\.?\/|#rule-\d+$)/i.test(url) ? url : null;
  }
  function link(text, url, cls) {
    const href = safeHref(url);
    if (!href) return el("span", cls, text);
    const a = el("a", cls, text);
    a.href = href;
    a.rel = "noopener noreferrer nofollow";
    return a;
  }
  function fill(id, values) {
    const select = $(id);
    for (const value of values) {
      const option = el("option", "", value);
      option.value = value;
      select.appendChild(option);
    }
  }

  function matches(f) {
    if (state.stage && f.stage !== state.stage) return false;
    if (state.tool && !f.tools.includes(state.tool)) return false;
    if (state.severity && f.severity !== state.severity) return false;
    if (state.disposition === "blocking" && !f.blocking) return false;
    if (state.disposition && state.disposition !== "blocking" && f.disposition !== state.disposition) return false;
    return !state.q || f.haystack.includes(state.q);
  }
  function groupName(f) {
    if (state.group === "stage") return f.stage;
    if (state.group === "rule") return f.rule_label;
    if (state.group === "file") return f.file || "(no file)";
    return "All findings";
  }
  const COLUMNS = [
    ["severity", "Severity"], ["gate", "Gate"], ["stage", "Stage"], ["tool", "Tool"],
    ["rule", "Rule"], ["where", "Location"], ["title", "Finding"],
  ];
  function sortValue(f, key) {
    if (key === "rank") return f.rank;
    if (key === "severity") return -f.severity_rank;
    if (key === "gate") return f.gate;
    if (key === "tool") return f.tools.join("+");
    if (key === "rule") return f.rule_label;
    if (key === "where") return f.where;
    return f[key] || "";
  }
  function compare(a, b) {
    const x = sortValue(a, state.sort), y = sortValue(b, state.sort);
    const order = x < y ? -1 : x > y ? 1 : a.rank - b.rank;
    return order * state.dir;
  }

  function detail(f) {
    const cell = el("td", "finding");
    cell.appendChild(el("strong", "", f.title));
    if (f.message) cell.appendChild(el("div", "message", f.message));
    const facts = el("ul", "facts");
    const add = (label, value) => { if (value) facts.appendChild(el("li", "", label + ": " + value)); };
    if (f.dependency) {
      add("package", f.dependency.package + (f.dependency.version ? " " + f.dependency.version : ""));
      add("fix version", f.dependency.fix || "no fixed release known");
    }
    if (f.web) {
      add("method", f.web.method);
      add("URL", f.web.url);
      add("parameter", f.web.param);
      add("evidence", f.web.evidence);
    }
    for (const [key, value] of f.properties) add(key, value);
    add(f.disposition + " because", f.because);
    add("fingerprint", f.fingerprint);
    cell.appendChild(facts);
    if (f.rule_anchor) cell.appendChild(link("fix and rule docs", "#" + f.rule_anchor, "rule-link"));
    return cell;
  }
  function row(f) {
    const tr = el("tr", f.blocking ? "blocking" : "");
    tr.dataset.id = String(f.id);
    tr.appendChild(el("td", "sev " + f.severity, f.severity || "-"));
    tr.appendChild(el("td", "gate " + f.gate, f.gate));
    tr.appendChild(el("td", "", f.stage));
    tr.appendChild(el("td", "", f.tools.join("+")));
    tr.appendChild(el("td", "rule", f.rule_label));
    const where = el("td", "where");
    where.appendChild(link(f.where, f.href, "loc"));
    tr.appendChild(where);
    tr.appendChild(detail(f));
    return tr;
  }
  function head() {
    const thead = el("thead");
    const tr = el("tr");
    for (const [key, label] of COLUMNS) {
      const th = el("th");
      const button = el("button", "sort", label);
      button.type = "button";
      button.dataset.sort = key;
      if (state.sort === key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      button.addEventListener("click", () => {
        state.dir = state.sort === key ? -state.dir : 1;
        state.sort = key;
        render();
      });
      th.appendChild(button);
      tr.appendChild(th);
    }
    thead.appendChild(tr);
    return thead;
  }

  function render() {
    const shown = data.findings.filter(matches).sort(compare);
    const groups = new Map();
    for (const f of shown) {
      const name = groupName(f);
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(f);
    }
    const root = $("groups");
    root.replaceChildren();
    for (const [name, items] of groups) {
      const blocking = items.filter((f) => f.blocking).length;
      const box = el("details", "group");
      box.dataset.group = name;
      box.open = blocking > 0 || groups.size <= 3;
      const summary = el("summary", "", name);
      summary.appendChild(el("span", "count", " " + items.length + " finding(s)" + (blocking ? ", " + blocking + " blocking" : "")));
      box.appendChild(summary);
      if (state.group === "rule" && items[0].rule_anchor) {
        const rule = data.rules[items[0].rule_anchor];
        if (rule && rule.fix) box.appendChild(el("p", "fix", "Fix: " + rule.fix));
      }
      const wrap = el("div", "scroll");
      const table = el("table", "findings");
      table.appendChild(head());
      const body = el("tbody");
      for (const f of items) body.appendChild(row(f));
      table.appendChild(body);
      wrap.appendChild(table);
      box.appendChild(wrap);
      root.appendChild(box);
    }
    $("shown").textContent = "Showing " + shown.length + " of " + data.findings.length + " finding(s) in " + groups.size + " group(s)";
  }

  fill("f-stage", data.facets.stage);
  fill("f-tool", data.facets.tool);
  fill("f-severity", data.facets.severity);
  for (const [id, key] of [["f-stage", "stage"], ["f-tool", "tool"], ["f-severity", "severity"],
    ["f-disposition", "disposition"], ["f-group", "group"]]) {
    $(id).addEventListener("change", (event) => { state[key] = event.target.value; render(); });
  }
  $("f-q").addEventListener("input", (event) => { state.q = event.target.value.trim().toLowerCase(); render(); });
  $("explorer").hidden = false;
  render();
})();
