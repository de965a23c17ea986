// Charts of the reporting dashboard (ECharts): reporting rates per child organization, and a map
// (the provinces for the nation, a province's cities). The figures come from a JSON island
// (#reporting-data; no inline script, the CSP forbids it); the table below each chart holds
// the same data. Texts come from the page (data- attributes, translated).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var island = document.getElementById("reporting-data");
  if (!island || typeof echarts === "undefined") return;
  var data = JSON.parse(island.textContent);
  var charts = [];
  document.querySelectorAll("[data-reporting-chart]").forEach(function (element) {
    var kind = element.dataset.reportingChart;
    var chart = echarts.init(element);
    if (kind === "bars") {
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 36, bottom: 72 },
        xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { type: "bar", name: element.dataset.summary, data: data.summary, itemStyle: { color: "#0b4f9c" } },
          { type: "bar", name: element.dataset.onTime, data: data.on_time, itemStyle: { color: "#176b2c" } },
          { type: "bar", name: element.dataset.news, data: data.news, itemStyle: { color: "#9a6700" } }
        ]
      });
    } else if (kind === "map" && data.map) {
      var separator = element.dataset.separator || ": ";
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          var full = p.data ? p.data.full_name : p.name;
          return echarts.format.encodeHTML(full) + separator + (p.data ? p.data.value + "%" : "—");
        } },
        visualMap: { min: 0, max: 100, left: 8, bottom: 8, calculable: true, itemHeight: 80,
                     inRange: { color: ["#fdecea", "#0b4f9c"] }, text: ["100%", element.dataset.label || ""] },
        series: [{ type: "map", map: data.map_name || "china", roam: false, data: data.map, label: { show: false } }]
      });
    }
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
