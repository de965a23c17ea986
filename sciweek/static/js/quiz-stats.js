// Charts of the console's quiz statistics (ECharts). The figures come from a JSON island
// (#quiz-stats-data; no inline script, the CSP forbids it) that htmx replaces every 30 s
// while the quiz runs: the charts are drawn again after each swap. Every chart has a table
// with the same data next to it; texts come from the page (data- attributes, translated).
(function () {
  "use strict";

  function island() {
    var element = document.getElementById("quiz-stats-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  var blue = "#0b4f9c", green = "#176b2c", amber = "#9a6700";

  function bar(labels, series, extra) {
    var option = {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: series.length > 1 ? 36 : 16, bottom: 40 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    };
    if (series.length > 1) option.legend = { top: 0 };
    for (var key in extra || {}) option[key] = extra[key];
    return option;
  }

  var builders = {
    bands: function (data, element) {
      return bar(data.bands.labels, [{ type: "bar", name: element.dataset.label || "", data: data.bands.values,
                                       itemStyle: { color: blue } }]);
    },
    days: function (data, element) {
      return bar(data.days.labels, [
        { type: "bar", name: element.dataset.scored || "", data: data.days.scored, itemStyle: { color: blue } },
        { type: "bar", name: element.dataset.practice || "", data: data.days.practice, itemStyle: { color: amber } }
      ]);
    },
    questions: function (data, element) {
      var q = data.questions;
      var separator = element.dataset.separator || ": ";
      var name = element.dataset.question || "{n}";
      var option = bar(q.labels, [{ type: "bar", name: element.dataset.label || "", data: q.values,
                                    itemStyle: { color: green } }], {
        tooltip: { trigger: "axis", formatter: function (params) {
          var p = params[0];
          return echarts.format.encodeHTML(name.replace("{n}", p.name)) + "<br>" +
            echarts.format.encodeHTML(q.stems[p.dataIndex] || "") + "<br>" +
            echarts.format.encodeHTML(p.seriesName) + separator + p.value + "%";
        } }
      });
      option.yAxis = { type: "value", min: 0, max: 100 };
      if (q.labels.length > 30) {
        option.dataZoom = [{ type: "slider", start: 0, end: Math.min(100, 3000 / q.labels.length), bottom: 4 }];
        option.grid.bottom = 64;
      }
      return option;
    },
    map: function (data, element) {
      if (!data.map) return null;
      var separator = element.dataset.separator || ": ";
      var max = Math.max.apply(null, data.map.map(function (d) { return d.value; }).concat([1]));
      return {
        tooltip: { trigger: "item", formatter: function (p) {
          var full = p.data ? p.data.full_name : p.name;
          return echarts.format.encodeHTML(full) + separator + (p.data ? p.data.value : 0);
        } },
        visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, itemHeight: 80,
                     inRange: { color: ["#e8f0fb", blue] }, text: ["", element.dataset.label || ""] },
        series: [{ type: "map", map: "china", roam: false, data: data.map, label: { show: false },
                   emphasis: { label: { show: true } } }]
      };
    }
  };

  function draw() {
    if (typeof echarts === "undefined") return;
    var data = island();
    if (!data) return;
    document.querySelectorAll("[data-quiz-chart]").forEach(function (element) {
      var build = builders[element.dataset.quizChart];
      var option = build ? build(data, element) : null;
      if (!option) return;
      var chart = echarts.getInstanceByDom(element) || echarts.init(element);
      chart.setOption(option, true);
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  // Charts inside the part htmx replaces are disposed first; all are drawn again after.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (typeof echarts === "undefined" || !event.detail.target) return;
    event.detail.target.querySelectorAll("[data-quiz-chart]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) chart.dispose();
    });
  });
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", function () {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-quiz-chart]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) chart.resize();
    });
  });
})();
