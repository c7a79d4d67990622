// "Suivre mon ticket": answer in the page through the JSON API. Without JavaScript the
// form posts to the service's /suivi page instead. Every text comes from data/tracking.yml
// (embedded in the page as JSON) and everything shown is set with textContent, never HTML.
(function () {
  "use strict";

  var form = document.querySelector("form.kb-status-form");
  var output = document.getElementById("kb-status-result");
  var textsNode = document.getElementById("kb-status-texts");
  if (!form || !output || !textsNode || !window.fetch) return;
  var texts = JSON.parse(textsNode.textContent);
  var t = texts.result;

  function fill(template, values) {
    return template.replace(/\{(\w*)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function link(href, label) { return el("a", { href: href }, [label]); }

  // A delay or a cadence the company committed to (its source is the article or the support team) may be worded
  // as a deadline: the *_confirmed texts. Anything else, or an answer that does not say, reads as what is usual.
  function worded(confirmed) {
    return function (key) { return confirmed === true ? t[key + "_confirmed"] : t[key]; };
  }

  function admonition(kind, title, paragraphs) {
    var children = title ? [el("p", { "class": "admonition-title" }, [title])] : [];
    return el("div", { "class": "admonition " + kind }, children.concat(paragraphs));
  }

  function helpLinks() {
    return el("p", {}, [link(texts.howto.url, texts.howto.title), " · ", link(texts.contact.url, texts.contact.title)]);
  }

  function ticket(view) {
    var heading = el("h2", { tabindex: "-1" }, [fill(t.ticket_title, { reference: view.reference })]);
    // What a customer came for, first: where the ticket is, who has it, what comes next.
    var key = [
      el("dt", {}, [t.step]), el("dd", {}, [view.step.title]),
      el("dt", {}, [t.team]), el("dd", {}, [view.team.name])
    ];
    if (view.next_update) {
      var n = { date: view.next_update.at.text, wording: view.next_update.wording };
      var updateTexts = worded(view.next_update.confirmed);
      key.push(el("dt", {}, [t.next_update]));
      key.push(el("dd", {}, [fill(updateTexts(view.next_update.late ? "next_update_late" : "next_update_text"), n)]));
    }
    var parts = [heading, el("dl", { "class": "status-facts status-facts--key" }, key)];
    if (view.resolved) {
      parts.push(admonition("success", t.resolved_title, [el("p", {}, [fill(t.resolved_text, { date: view.resolved.text })])]));
    }
    if (view.prioritised) {
      parts.push(admonition("warning", t.prioritised_title, [el("p", {}, [t.prioritised_text])]));
    }
    if (view.incident) parts.push(incident(view.incident));
    var issueType = view.issue_type.url ? link(view.issue_type.url, view.issue_type.title) : view.issue_type.title;
    parts.push(el("dl", { "class": "status-facts" }, [
      el("dt", {}, [t.issue_type]), el("dd", {}, [issueType]),
      el("dt", {}, [t.opened]), el("dd", {}, [view.opened.text])
    ]));

    parts.push(el("h3", {}, [t.progress]));
    parts.push(el("ol", { "class": "status-progress" }, view.progress.map(function (step) {
      var attrs = { "class": "status-step status-step--" + step.state };
      if (step.state === "current") attrs["aria-current"] = "step";
      return el("li", attrs, [
        el("span", { "class": "status-step-title" }, [step.title]),
        " ",
        el("span", { "class": "status-state" }, ["(" + t["state_" + step.state] + ")"])
      ]);
    })));

    if (view.window) {
      var w = { start: view.window.start.text, end: view.window.end.text, label: view.window.label, team: view.team.name };
      var windowTexts = worded(view.window.confirmed);
      parts.push(el("h3", {}, [t.window]));
      if (view.resolved) parts.push(el("p", {}, [fill(windowTexts("window_resolved"), w)]));
      else if (view.window.passed) parts.push(admonition("info", null, [el("p", {}, [fill(windowTexts("window_passed"), w)])]));
      else parts.push(el("p", {}, [fill(windowTexts("window_text"), w)]));
    }
    parts.push(el("h3", {}, [t.updates]));
    if (view.updates.length) {
      parts.push(el("ol", { "class": "status-updates", reversed: "" }, view.updates.map(function (update) {
        return el("li", {}, [
          el("p", { "class": "status-update-date" }, [update.at.text]),
          update.step ? el("p", { "class": "status-update-move" }, [fill(t.update_step, { step: update.step.title })]) : null,
          update.team ? el("p", { "class": "status-update-move" }, [fill(t.update_team, { team: update.team.name })]) : null,
          update.text ? el("p", { "class": "status-update-text" }, [update.text]) : null
        ]);
      })));
      if (view.older_updates) {
        var older = view.older_updates === 1 ? t.older_update : fill(t.older_updates, { count: String(view.older_updates) });
        parts.push(el("p", { "class": "status-older" }, [older]));
      }
    } else {
      parts.push(el("p", {}, [t.no_updates]));
    }
    return { node: el("section", { "class": "status-result status-ticket" }, parts), focus: heading };
  }

  // The incident the ticket is linked to (texts from data/incidents.yml). Its address is the status service's:
  // resolve it against the lookup endpoint, which follows extra.status_service_url, not against this page.
  function incident(linked) {
    var it = texts.incident;
    var body = [el("p", {}, [fill(it.ticket_text, { title: linked.title, state: linked.state.title })])];
    var latest = linked.latest_update;
    if (latest) {
      body.push(el("p", { "class": "status-update-date" }, [it.latest_update + "\u00a0: " + latest.at.text]));
      if (latest.state) body.push(el("p", { "class": "status-update-move" }, [fill(it.update_state, { state: latest.state.title })]));
      if (latest.text) body.push(el("p", { "class": "status-update-text" }, [latest.text]));
    }
    var href = new URL(linked.url, new URL(form.getAttribute("data-lookup"), document.baseURI)).href;
    body.push(el("p", {}, [link(href, it.ticket_link)]));
    return admonition(linked.ongoing ? "warning" : "info", it.ticket_title, body);
  }

  function problem(kind, title, message) {
    var heading = el("p", { "class": "admonition-title", tabindex: "-1" }, [title || message]);
    var body = title ? [el("p", {}, [message]), helpLinks()] : [helpLinks()];
    var node = el("section", { "class": "status-result admonition " + kind }, [heading].concat(body));
    return { node: node, focus: heading };
  }

  // The answer's top at the top of the screen, its key facts in view; the focus moves there for screen readers
  // and the keyboard, without the browser scrolling on its own (scroll-margin-top leaves room for the header).
  function show(result) {
    output.replaceChildren(result.node);
    result.focus.focus({ preventScroll: true });
    result.node.scrollIntoView({ block: "start" });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    output.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-lookup"), {
      method: "POST",
      // The answer in this page's language (the service falls back to French for one it lacks).
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": document.documentElement.lang || "fr"
      },
      body: JSON.stringify({ call_id: form.elements.call_id.value })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 200) show(ticket(answer.body));
      else if (answer.status === 404) show(problem("warning", t.not_found_title, answer.body.error.message));
      else if (answer.body && answer.body.error) show(problem("failure", null, answer.body.error.message));
      else show(problem("failure", null, t.unavailable));
    }).catch(function () {
      show(problem("failure", null, t.unavailable));
    }).then(function () {
      button.disabled = false;
      output.removeAttribute("aria-busy");
    });
  });
})();
