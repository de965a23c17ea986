// The judge's score sheet: the weighted total as the judge types, the same sum the server
// makes (services.save_score via scoring.weighted_total): Σ weight × (points − min) / (max − min),
// to two decimals. Out-of-range or missing marks leave the total blank; the server decides.
document.addEventListener("DOMContentLoaded", function () {
  var inputs = document.querySelectorAll(".score-sheet input.score-input");
  var out = document.getElementById("score-total");
  if (!inputs.length || !out) return;
  function update() {
    var total = 0, complete = true;
    inputs.forEach(function (input) {
      var raw = input.value.trim().replace(",", ".");
      var value = Number(raw), low = Number(input.dataset.min), high = Number(input.dataset.max);
      var weight = Number(input.dataset.weight);
      if (raw === "" || !isFinite(value) || value < low || value > high || high <= low) {
        complete = false;
        return;
      }
      total += weight * (value - low) / (high - low);
    });
    out.textContent = complete ? (Math.round(total * 100) / 100).toFixed(2) : "—";
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
});
