// Optional: counts minutes down between polls and offers a spoken readout. The board works
// without it (meta refresh); no inline script, so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  // The page carries absolute departure epochs; the pillar's own (NTP) clock counts down.
  var lang = document.documentElement.lang || "de";
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".countdown[data-epoch]").forEach(function (el) {
      var minutes = Math.floor((parseInt(el.getAttribute("data-epoch"), 10) - now) / 60);
      if (minutes > 20 || !/min|sofort|now/.test(el.textContent)) { return; }
      el.textContent = minutes <= 0 ? (lang === "de" ? "sofort" : "now") : "in " + minutes + " min";
    });
  }
  setInterval(tick, 15000);
  var button = document.querySelector("button.speak");
  if (button && "speechSynthesis" in window) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var utterance = new SpeechSynthesisUtterance(button.getAttribute("data-speech"));
      utterance.lang = button.getAttribute("data-lang") === "en" ? "en-GB" : "de-DE";
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    });
  }
})();
