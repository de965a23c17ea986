// China map of activity counts by province (ECharts). Data comes from a JSON island
// (no inline script: the CSP forbids it); clicking a province opens the filtered catalog.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("china-map");
  var island = document.getElementById("map-data");
  if (!element || !island || typeof echarts === "undefined") return;
  var data = JSON.parse(island.textContent);
  // "：" on Chinese pages, ": " on English ones (the page's translation, set on the element).
  var separator = element.dataset.separator || ": ";
  var max = Math.max.apply(null, data.map(function (d) { return d.value; }).concat([1]));
  var chart = echarts.init(element);
  chart.setOption({
    tooltip: { trigger: "item", formatter: function (p) {
      var full = p.data ? p.data.full_name : p.name;
      var value = p.data ? p.data.value : 0;
      return echarts.format.encodeHTML(full) + separator + value;
    } },
    visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, itemHeight: 80,
                 inRange: { color: ["#e8f0fb", "#0b4f9c"] }, text: ["", element.dataset.label || ""] },
    series: [{ type: "map", map: "china", roam: false, data: data,
               label: { show: false }, emphasis: { label: { show: true } } }]
  });
  chart.on("click", function (params) {
    if (params.data && params.data.url) window.location.href = params.data.url;
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
