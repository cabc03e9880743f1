// Cortex's internal site: draws an answer's chart with vega-embed (served by this site, no CDN)
// and shows that a question is being answered. The pages work without it, but for the chart.
"use strict";

function drawChart() {
  const holder = document.getElementById("chart");
  const specNode = document.getElementById("chart-spec");
  if (!holder || !specNode) return;
  if (typeof window.vegaEmbed !== "function") {
    holder.textContent = "The chart could not be drawn (its script did not load).";
    return;
  }
  const spec = JSON.parse(specNode.textContent);
  // ast + Vega's interpreter: no eval; no injected <style> (the tooltip's is in site.css):
  // so the Content-Security-Policy can forbid both.
  const options = {
    actions: false,
    renderer: "svg",
    ast: true,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };
  window.vegaEmbed(holder, spec, options)
    .catch((error) => { holder.textContent = "The chart could not be drawn: " + error.message; });
}

function showBusy() {
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button && !button.name) {
        button.disabled = true;
        button.textContent = form.dataset.busy;
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  drawChart();
  showBusy();
});
