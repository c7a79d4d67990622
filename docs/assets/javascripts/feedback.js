// "Cet article vous a-t-il été utile ?": the vote posts in place through the status service (data-action) and
// the thanks, and on "Non" the optional comment, appear where the form was. Without JavaScript the form posts
// to the service, which answers with its own page. The words are the page's own (the <template>s of
// overrides/partials/kb-feedback.html, from data/site.yml); nothing the service sends is shown as HTML.
(function () {
  "use strict";

  var section = document.querySelector("section.kb-feedback[data-action]");
  if (!section || !window.fetch || !("content" in document.createElement("template"))) return;
  var action = section.getAttribute("data-action");
  var vote = section.querySelector("form.kb-feedback__vote");
  var answer = section.querySelector(".kb-feedback__answer");
  if (!vote || !answer) return;

  function post(body) {
    return fetch(action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function show(templateClass) {
    var template = section.querySelector("template." + templateClass);
    answer.replaceChildren(template.content.cloneNode(true));
  }

  function problem(result) {
    var error = result && result.data && result.data.error;
    var p = document.createElement("p");
    p.className = "kb-feedback__problem";
    p.textContent = error && typeof error.message === "string" ? error.message : section.getAttribute("data-failed");
    return p;
  }

  function failed(where, result) {
    var old = where.querySelector(".kb-feedback__problem");
    if (old) old.remove();
    where.appendChild(problem(result));
  }

  function commentForm(key) {
    var form = answer.querySelector("form.kb-feedback__comment");
    if (!form) return;
    form.querySelector("input[name=comment_key]").value = key;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.querySelector("textarea[name=comment]").value;
      form.querySelector("button[type=submit]").disabled = true;
      post({ comment_key: key, comment: text })
        .then(function (result) {
          if (!result.ok) throw result;
          show("kb-feedback__commented");
          answer.querySelector("p").setAttribute("tabindex", "-1");
          answer.querySelector("p").focus();
        })
        .catch(function (result) {
          form.querySelector("button[type=submit]").disabled = false;
          failed(form, result);
        });
    });
  }

  vote.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name !== "vote") return;  // an old browser: the form posts, the service answers
    event.preventDefault();
    var useful = button.value === "oui";
    var page = vote.querySelector("input[name=page]").value;
    vote.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    post({ page: page, useful: useful })
      .then(function (result) {
        if (!result.ok) throw result;
        vote.hidden = true;
        show(useful ? "kb-feedback__thanks-oui" : "kb-feedback__thanks-non");
        // The pressed button is gone: focus goes to the thanks, so that a keyboard user is not lost.
        var thanks = answer.querySelector("p");
        thanks.setAttribute("tabindex", "-1");
        thanks.focus();
        if (!useful && typeof result.data.comment_key === "string") {
          commentForm(result.data.comment_key);
        } else {
          var form = answer.querySelector("form.kb-feedback__comment");
          if (form) form.remove();
        }
      })
      .catch(function (result) {
        vote.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        failed(answer, result);
      });
  });
})();
