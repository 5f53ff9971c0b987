// The import's progress, updated in place every 2 seconds while the file is processed: no page
// refresh (a <meta refresh> reloads the page under the user, WCAG 2.2.1), the keyboard focus and
// the reading position stay. Once done, the result replaces the progress and takes the focus.
(function () {
  var region = document.getElementById("import-progress");
  if (!region) { return; }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var nextRegion = next.getElementById("import-progress");
        if (nextRegion) {
          region.querySelector("[role=status]").textContent = nextRegion.querySelector("[role=status]").textContent;
          region.querySelector("progress").value = nextRegion.querySelector("progress").value;
          var health = region.querySelector("#import-health");
          var nextHealth = nextRegion.querySelector("#import-health");
          if (health && nextHealth && health.innerHTML !== nextHealth.innerHTML) {
            health.innerHTML = nextHealth.innerHTML;  // "Traitement interrompu" / "Reprise…"
          }
          window.setTimeout(poll, 2000);
          return;
        }
        var result = next.getElementById("import-result");
        region.replaceWith(result);
        var heading = result.querySelector("h2") || result.firstElementChild;
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
