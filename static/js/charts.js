// The chart helper every page uses. A chart is an element with data-url
// pointing at its JSON endpoint; the page's own script turns that JSON into
// plotly traces:
//
//   SellerHub.charts.draw(el, function (json) {
//     return { traces: [...], layout: {...}, empty: json.points.length === 0 };
//   });
//
// The filter of the page (marketplace, days / start-end) is added to the URL.
// Errors and empty data show a message in the chart's place, never made-up data.
(function () {
  "use strict";

  var baseLayout = {
    margin: { t: 30, r: 20, b: 40, l: 60 },
    font: { family: "system-ui, sans-serif", size: 12 },
    legend: { orientation: "h", y: -0.2 },
    hovermode: "x unified",
  };
  var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  // Only the page's filter travels to the charts' endpoints: other parameters of the
  // page (a table's sort, a chosen SKU) mean something else, or nothing, to them.
  var FILTER = ["marketplace", "days", "start", "end", "window"];

  function withPageFilter(url) {
    var target = new URL(url, window.location.origin);
    new URLSearchParams(window.location.search).forEach(function (value, key) {
      if (FILTER.indexOf(key) >= 0 && !target.searchParams.has(key)) target.searchParams.set(key, value);
    });
    return target.toString();
  }

  function message(el, text) {
    el.innerHTML = "";
    var p = document.createElement("p");
    p.className = "chart-message";
    p.textContent = text;
    el.appendChild(p);
  }

  function fetchJson(url) {
    return fetch(withPageFilter(url), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            throw new Error(body.detail || ("The server answered " + response.status + "."));
          }
          return body;
        });
      });
  }

  function draw(el, toFigure) {
    var url = el.getAttribute("data-url");
    message(el, "Loading…");
    return fetchJson(url).then(function (json) {
      var figure = toFigure(json);
      if (figure.empty) {
        message(el, figure.emptyMessage || "No data for this period.");
        return null;
      }
      el.innerHTML = "";
      var layout = Object.assign({}, baseLayout, figure.layout || {});
      return window.Plotly.newPlot(el, figure.traces, layout, config);
    }).catch(function (error) {
      message(el, "This chart could not load: " + error.message);
    });
  }

  window.SellerHub = window.SellerHub || {};
  window.SellerHub.charts = { draw: draw, fetchJson: fetchJson, withPageFilter: withPageFilter };
})();
