// The incident banner: while an incident is ongoing, a line above the header of every help-center page,
// linking to the "État du service" page. It asks the status service's JSON endpoint (data-source, which
// follows extra.status_service_url); when the service cannot be reached or answers anything unexpected,
// the banner stays hidden. Its words come from data/incidents.yml (the slot's data attributes), and
// everything shown is set with textContent, never HTML.
(function () {
  "use strict";

  var slot = document.querySelector("aside.kb-incident-banner[data-source]");
  if (!slot || !window.fetch || !window.URL) return;
  var source = slot.getAttribute("data-source");

  function fill(template, values) {
    return template.replace(/\{(\w*)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function valid(incident) {
    return incident && typeof incident.title === "string" && incident.state && typeof incident.state.title === "string";
  }

  function show(incidents) {
    var one = incidents.length === 1;
    var text = one
      ? fill(slot.getAttribute("data-one"), { title: incidents[0].title, state: incidents[0].state.title })
      : fill(slot.getAttribute("data-many"), { count: String(incidents.length) });
    var target = slot.getAttribute("data-status-url");
    if (one && typeof incidents[0].url === "string") {
      // The incident's address is the service's: resolve it against the endpoint, not this page.
      target = new URL(incidents[0].url, new URL(source, document.baseURI)).href;
    }
    var link = document.createElement("a");
    link.href = target;
    link.textContent = slot.getAttribute("data-link");
    var line = document.createElement("p");
    line.appendChild(document.createTextNode(text + " "));
    line.appendChild(link);
    var inner = document.createElement("div");
    inner.className = "md-banner__inner md-grid md-typeset";
    inner.appendChild(line);
    slot.replaceChildren(inner);
    slot.setAttribute("aria-label", slot.getAttribute("data-label"));
    slot.hidden = false;
  }

  fetch(source, { headers: { "Accept": "application/json" }, credentials: "omit" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (body) {
      var incidents = body && Array.isArray(body.incidents) ? body.incidents.filter(valid) : [];
      if (incidents.length) show(incidents);
    })
    .catch(function () { /* the service is unreachable: no banner, nothing broken */ });
})();
