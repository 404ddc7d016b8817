// Forecast page: history with the forecast and its 80/95% bands; censored days marked.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  function pct(value) { return value === null || value === undefined ? "—" : Math.round(value * 100) + "%"; }
  function num(value) { return value === null || value === undefined ? "—" : value.toFixed(2); }

  function figure(json) {
    if (!json.forecast) return { empty: true, emptyMessage: json.reason };
    var h = json.history, f = json.forecast;
    var censoredX = [], censoredY = [];
    h.dates.forEach(function (d, i) { if (h.censored[i]) { censoredX.push(d); censoredY.push(h.units[i]); } });
    var band = function (lo, hi, name, color) {
      return [
        { x: f.dates, y: f[lo], type: "scatter", mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false },
        { x: f.dates, y: f[hi], type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: color, name: name },
      ];
    };
    var traces = [{ x: h.dates, y: h.units, type: "bar", name: "Units sold", marker: { color: "#9db4d3" } }];
    traces = traces.concat(band("lo95", "hi95", "95% band", "rgba(245,133,24,0.15)"));
    traces = traces.concat(band("lo80", "hi80", "80% band", "rgba(245,133,24,0.30)"));
    traces.push({ x: f.dates, y: f.mean, type: "scatter", mode: "lines", name: "Forecast (" + json.accuracy.method + ")", line: { color: "#e8590c", width: 2 } });
    if (censoredX.length) {
      traces.push({ x: censoredX, y: censoredY, type: "scatter", mode: "markers", name: "Out of stock (not counted as demand)", marker: { symbol: "x", size: 8, color: "#c92a2a" } });
    }
    return {
      empty: false,
      traces: traces,
      layout: { yaxis: { title: { text: "units / day" }, rangemode: "tozero" }, barmode: "overlay" },
    };
  }

  var total = document.getElementById("forecast-total");
  if (total) SellerHub.charts.draw(total, figure);

  var sku = document.getElementById("forecast-sku");
  if (sku) {
    SellerHub.charts.draw(sku, function (json) {
      var a = json.accuracy, note = document.getElementById("forecast-sku-accuracy");
      if (note && json.forecast) {
        note.textContent = json.listing.marketplace + " " + json.listing.seller_sku + " · " + json.listing.title +
          ": method " + a.method + (a.demand_class ? " (" + a.demand_class + " demand)" : "") +
          ", quality " + a.quality.label + " (" + a.quality.detail + "). Backtest WAPE " + pct(a.wape) +
          ", bias " + pct(a.bias) + "; weekly naive WAPE " + pct(a.baseline.wape) + ", MASE " + num(a.baseline.mase) +
          ". " + json.censored_days.length + " censored day(s) in " + a.history_days + " days of history. " +
          Math.round(json.units) + " units forecast over " + json.horizon + " days.";
      }
      return figure(json);
    });
  }
});
