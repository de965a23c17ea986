// Charts of the statistics page (ECharts): the chosen grouping as stacked bars per child
// organization, each dimension's totals as a pie, and a map (the provinces at the national
// level, a province's cities). Figures come from a JSON island (#statistics-data; no inline
// script, the CSP forbids it); the table next to each chart holds the same numbers.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var island = document.getElementById("statistics-data");
  if (!island || typeof echarts === "undefined") return;
  var data = JSON.parse(island.textContent);
  var palette = ["#0b4f9c", "#176b2c", "#9a6700", "#8e2c8a", "#b42318", "#0e7490", "#4d5b6b", "#5b3fa6",
                 "#a15c07", "#1f6f5c", "#7a2e0e", "#334155"];
  var charts = [];
  document.querySelectorAll("[data-stat-chart]").forEach(function (element) {
    var kind = element.dataset.statChart;
    var chart = null;
    if (kind === "pivot") {
      chart = echarts.init(element);
      chart.setOption({
        color: palette,
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 56, right: 16, top: 40, bottom: 80 },
        xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 8 ? 40 : 0 } },
        yAxis: { type: "value" },
        series: data.series.map(function (s) { return { type: "bar", stack: "all", name: s.name, data: s.data }; })
      });
    } else if (kind === "pie") {
      var items = (data.pies[element.dataset.dimension] || []).filter(function (p) { return p.value > 0; });
      if (!items.length) { element.hidden = true; return; }
      chart = echarts.init(element);
      chart.setOption({
        color: palette,
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["30%", "62%"], top: 0, bottom: 40, data: items,
                   label: { formatter: "{b}: {c}" } }]
      });
    } else if (kind === "map" && data.map) {
      var separator = element.dataset.separator || ": ";
      var max = Math.max.apply(null, data.map.points.map(function (p) { return p.value; }).concat([1]));
      chart = echarts.init(element);
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          var full = p.data ? p.data.full_name : p.name;
          return echarts.format.encodeHTML(full) + separator + (p.data ? p.data.value : "—");
        } },
        visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, itemHeight: 80,
                     inRange: { color: ["#e8f0fa", "#0b4f9c"] }, text: [String(max), element.dataset.label || ""] },
        series: [{ type: "map", map: data.map.name, roam: false, data: data.map.points, label: { show: false } }]
      });
    }
    if (chart) charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
