// The report's own behaviour: charts embedded, tables sorted by a click on a header, rows and
// chart filtered by the reader's choices. It uses nothing but the page and the inlined vega.

function sortTable(table, index, header) {
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  for (const cell of table.tHead.rows[0].cells) cell.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const numeric = header.dataset.type === "number";
  const key = (row) => row.cells[index].dataset.value;
  const empty = (value) => value === "" || (numeric && !Number.isFinite(Number(value)));
  const rows = Array.from(table.tBodies[0].rows);
  rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (empty(x) || empty(y)) return Number(empty(x)) - Number(empty(y)); // empty ones last
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true });
    return ascending ? order : -order;
  });
  table.tBodies[0].append(...rows);
}

function applyFilters(section, chart) {
  const selects = Array.from(section.querySelectorAll("select.filter"));
  const rows = Array.from(section.querySelectorAll("table.result tbody tr"));
  let shown = 0;
  for (const row of rows) {
    const kept = selects.every(
      (select) =>
        select.selectedIndex === 0 ||
        row.getAttribute("data-filter-" + select.dataset.filter) === select.value,
    );
    row.hidden = !kept;
    if (kept) shown += 1;
  }
  const count = section.querySelector(".row-count");
  if (count) {
    count.textContent = shown === rows.length ? `${rows.length} rows` : `${shown} of ${rows.length} rows`;
  }
  const charted = selects.find((select) => select.hasAttribute("data-charted"));
  if (!charted || !chart) return Promise.resolve();
  const picked = charted.selectedIndex === 0 ? null : charted.value;
  return chart.then(({ view, pick }) => view.signal(pick, picked).runAsync()).then(() => {
    section.dataset.chartPick = picked === null ? "" : picked;
  });
}

function embed(section) {
  const frame = section.querySelector("div.chart");
  const source = section.querySelector("script.chart-spec");
  if (!frame || !source) return null;
  const options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
  };
  return window
    .vegaEmbed(frame, JSON.parse(source.textContent), options)
    .then((result) => ({ view: result.view, pick: frame.dataset.pick }))
    .catch((error) => {
      frame.textContent = "The chart could not be drawn: " + error.message;
      throw error;
    });
}

const drawn = [];
for (const section of document.querySelectorAll("section.report-section")) {
  const chart = embed(section);
  if (chart) drawn.push(chart);
  const table = section.querySelector("table.result");
  if (table) {
    Array.from(table.tHead.rows[0].cells).forEach((header, index) =>
      header.addEventListener("click", () => sortTable(table, index, header)),
    );
  }
  for (const select of section.querySelectorAll("select.filter")) {
    select.addEventListener("change", () => applyFilters(section, chart));
  }
}
Promise.allSettled(drawn).then(() => {
  document.body.dataset.ready = "yes";
});
