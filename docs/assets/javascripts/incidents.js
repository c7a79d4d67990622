// The incident banner: while an incident is ongoing, a line above the header of every help-center page,
// linking to the "État du service" page; when none is, the same line for planned maintenance in progress or
// starting within the lead time of data/incidents.yml (the service decides which, the page only shows them). It asks the status service's JSON endpoint (data-source, which
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

  function validMaintenance(maintenance) {
    return maintenance && typeof maintenance.title === "string" && typeof maintenance.window === "string" &&
      maintenance.phase && maintenance.ends && typeof maintenance.ends.text === "string";
  }

  function incidentText(incidents) {
    return incidents.length === 1
      ? fill(slot.getAttribute("data-one"), { title: incidents[0].title, state: incidents[0].state.title })
      : fill(slot.getAttribute("data-many"), { count: String(incidents.length) });
  }

  function maintenanceText(maintenances) {
    if (maintenances.length > 1) {
      return fill(slot.getAttribute("data-maintenance-many"), { count: String(maintenances.length) });
    }
    var one = maintenances[0];
    return one.phase.id === "in_progress"
      ? fill(slot.getAttribute("data-maintenance-in-progress"), { title: one.title, end: one.ends.text })
      : fill(slot.getAttribute("data-maintenance-scheduled"), { title: one.title, window: one.window });
  }

  // An ongoing incident says more than planned maintenance: the banner shows the incidents when there are any.
  function show(incidents, maintenances) {
    var items = incidents.length ? incidents : maintenances;
    var text = incidents.length ? incidentText(incidents) : maintenanceText(maintenances);
    var target = slot.getAttribute("data-status-url");
    if (items.length === 1 && typeof items[0].url === "string") {
      // The item's address is the service's: resolve it against the endpoint, not this page.
      target = new URL(items[0].url, new URL(source, document.baseURI)).href;
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
    slot.setAttribute("aria-label", slot.getAttribute(incidents.length ? "data-label" : "data-maintenance-label"));
    slot.hidden = false;
  }

  var language = document.documentElement.lang || "fr";
  fetch(source, { headers: { "Accept": "application/json", "Accept-Language": language }, credentials: "omit" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (body) {
      var incidents = body && Array.isArray(body.incidents) ? body.incidents.filter(valid) : [];
      var maintenances = body && Array.isArray(body.maintenances) ? body.maintenances.filter(validMaintenance) : [];
      if (incidents.length || maintenances.length) show(incidents, maintenances);
    })
    .catch(function () { /* the service is unreachable: no banner, nothing broken */ });
})();
