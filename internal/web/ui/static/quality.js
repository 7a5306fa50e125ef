// Quality dashboard: progressive enhancement only. The page works without
// this script: every chart's values are in the table below it, and the
// busiest map cells are in a table too. The data comes from JSON blocks in
// the page (no extra request, no inline script under the CSP).
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  // Lines differ by colour and by dash pattern, so that they can be told
  // apart without seeing colours (WCAG 1.4.1). The colours have at least
  // 3:1 contrast against white.
  var lineStyles = [
    { stroke: "#1f5fa8", dash: [] },
    { stroke: "#b35900", dash: [8, 4] },
    { stroke: "#2e7d32", dash: [2, 3] },
    { stroke: "#7b3fa0", dash: [10, 3, 2, 3] },
  ];

  function unitFormat(unit) {
    return function (u, v) {
      if (v == null) {
        return "–";
      }
      var s = (Math.round(v * 10) / 10).toLocaleString(document.documentElement.lang || "de");
      return unit === "%" ? s + " %" : unit === "h" ? s + " h" : s;
    };
  }

  function chartWidth(el) {
    return Math.max(280, Math.floor(el.parentNode.clientWidth || el.clientWidth || 600));
  }

  function drawChart(el, chart, periods) {
    var xs = periods.map(function (_, i) { return i; });
    var data = [xs];
    var series = [{ label: el.getAttribute("data-x-label") || "", value: function (u, i) { return i == null ? "–" : periods[i]; } }];
    chart.series.forEach(function (s, i) {
      var st = lineStyles[i % lineStyles.length];
      data.push(s.values);
      series.push({ label: s.label, stroke: st.stroke, dash: st.dash, width: 2, spanGaps: false,
        points: { show: periods.length <= 60, size: 5, fill: st.stroke }, value: unitFormat(chart.unit) });
    });
    var fmt = unitFormat(chart.unit);
    var opts = {
      width: chartWidth(el),
      height: 240,
      series: series,
      scales: { x: { time: false }, y: chart.unit === "%" ? { range: [0, 100] } : { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [
        { incrs: [1, 2, 3, 4, 6, 7, 12, 14, 26, 30, 52, 91, 182], values: function (u, splits) {
          return splits.map(function (v) { return Number.isInteger(v) && periods[v] !== undefined ? periods[v] : ""; });
        } },
        { values: function (u, splits) { return splits.map(function (v) { return fmt(u, v); }); }, size: 60,
          // Counts have whole-number ticks; hours and shares may step by tenths.
          incrs: chart.unit === "" ? [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000] : undefined },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    el.hidden = false;
    var plot = new window.uPlot(opts, data, el);
    window.addEventListener("resize", function () {
      plot.setSize({ width: chartWidth(el), height: 240 });
    });
    return plot;
  }

  function charts() {
    var d = readJSON("quality-series");
    if (!d || typeof window.uPlot === "undefined") {
      return;
    }
    d.charts.forEach(function (chart) {
      var el = document.querySelector('.chart-canvas[data-chart="' + chart.id + '"]');
      if (!el) {
        return;
      }
      drawChart(el, chart, d.periods);
      // The chart now shows the values; the table stays one click away.
      var details = el.parentNode.querySelector("details.chart-table");
      if (details) {
        details.open = false;
      }
    });
  }

  // The heat map: one rectangle per grid cell, coloured by its class; the
  // colours are read from the legend's swatches, so quality.css is the one
  // place that defines them.
  function heatMap() {
    var el = document.getElementById("heat-map");
    var cells = readJSON("quality-heat-data");
    if (!el || !cells || !cells.length || typeof window.L === "undefined") {
      return;
    }
    var legend = document.getElementById("heat-legend");
    var colours = [];
    Array.prototype.forEach.call(legend.querySelectorAll(".swatch"), function (sw) {
      colours.push(window.getComputedStyle(sw).backgroundColor);
    });
    el.hidden = false;
    legend.hidden = false;
    var map = L.map(el);
    var url = el.getAttribute("data-tiles");
    L.tileLayer(url, { maxZoom: 19, attribution: url.indexOf("openstreetmap") >= 0
      ? '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>' : "" }).addTo(map);
    var bounds = null;
    cells.forEach(function (c) {
      var b = L.latLngBounds([c[0], c[1]], [c[2], c[3]]);
      var colour = colours[c[5]] || colours[colours.length - 1] || "#b30000";
      // A dark outline keeps the palest class visible on light tiles.
      L.rectangle(b, { color: "#5c3300", weight: 1, opacity: 0.8, fillColor: colour, fillOpacity: 0.7, interactive: true })
        .bindTooltip(String(c[4]))
        .addTo(map);
      // A bounds of its own: extend() moves the corner objects in place,
      // and the rectangle keeps using those of b.
      var corners = [[c[0], c[1]], [c[2], c[3]]];
      bounds = bounds ? bounds.extend(L.latLngBounds(corners)) : L.latLngBounds(corners);
    });
    map.fitBounds(bounds, { padding: [16, 16], maxZoom: 16 });
  }

  charts();
  heatMap();
})();
