// Dashboard: revenue bars with the profit line, and revenue against its costs.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  function dates(json) { return json.points.map(function (p) { return p.date; }); }
  function series(json, pick) { return json.points.map(pick); }
  function nothingSold(json) {
    return json.points.every(function (p) { return !p.revenue && !p.refunds.amount; });
  }
  var money = function (json) { return { title: { text: json.currency } }; };

  SellerHub.charts.draw(document.getElementById("revenue-profit"), function (json) {
    return {
      empty: nothingSold(json),
      traces: [
        { x: dates(json), y: series(json, function (p) { return p.revenue; }), name: "Revenue", type: "bar", marker: { color: "#4c78a8" } },
        // Profit of the sales whose cost and fees are known; the share of revenue it
        // covers is in the hover text (an unknown cost is never taken as 0).
        {
          x: dates(json),
          y: series(json, function (p) { return p.gross_profit_known; }),
          text: series(json, function (p) {
            return p.gross_profit === null && p.revenue ? "known on " + Math.round((p.profit_coverage || 0) * 100) + "% of revenue" : "";
          }),
          name: "Gross profit (where cost and fees are known)",
          type: "scatter", mode: "lines+markers", line: { color: "#2f9e44" },
        },
      ],
      layout: { yaxis: money(json) },
    };
  });

  // The settling shade comes from ads.js when the page loads it.
  function settling(json) { return SellerHub.settling ? SellerHub.settling(json) : {}; }
  function nothingAtAll(json) {
    return json.points.every(function (p) { return !p.revenue && !p.refunds && !p.ad_spend; });
  }

  SellerHub.charts.draw(document.getElementById("payout"), function (json) {
    var x = dates(json);
    return {
      empty: nothingAtAll(json),
      traces: [
        { x: x, y: series(json, function (p) { return p.revenue; }), name: "Revenue", type: "bar", marker: { color: "#f2b134" } },
        { x: x, y: series(json, function (p) { return p.estimated_payout; }), name: "Estimated payout", type: "scatter", mode: "lines+markers", line: { color: "#f97316" } },
        { x: x, y: series(json, function (p) { return p.ad_spend; }), name: "Ad spend", type: "scatter", mode: "lines+markers", line: { color: "#2d2d2d" } },
      ],
      layout: Object.assign({ yaxis: money(json) }, settling(json)),
    };
  });

  SellerHub.charts.draw(document.getElementById("revenue-costs"), function (json) {
    var x = dates(json);
    function bar(name, color, pick) {
      return { x: x, y: series(json, pick), name: name, type: "bar", marker: { color: color } };
    }
    return {
      empty: nothingAtAll(json),
      traces: [
        bar("Ad spend", "#2d2d2d", function (p) { return p.ad_spend; }),
        bar("FBA fees", "#f59e0b", function (p) { return p.fba_fees; }),
        bar("Referral fees", "#6366f1", function (p) { return p.referral_fees; }),
        bar("Other and refund fees", "#9ca3af", function (p) { return (p.other_fees || 0) + (p.refund_fees || 0); }),
        bar("Refunds", "#e45756", function (p) { return p.refunds; }),
        bar("COGS (known)", "#b279a2", function (p) { return p.cogs_known; }),
        { x: x, y: series(json, function (p) { return p.revenue; }), name: "Revenue", type: "scatter", mode: "lines", line: { color: "#f97316" } },
      ],
      layout: Object.assign({ barmode: "stack", yaxis: money(json) }, settling(json)),
    };
  });
});
