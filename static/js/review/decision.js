// The facilitator's decision on a revealed criterion (keep, change, delete) or proposal (add,
// reject), with its rationale; for change and add, the criterion as decided, starting from the
// criterion as it is (or as last decided). The server validates it (review_decide).

import { h, toast } from "../live/dom.js";

/** Fail values as the form spells them: "fail", point numbers, or label text. */
export function failText(scale) {
  if (scale.kind === "binary") return "fail";
  const values = scale.fail_values.map((code) => (scale.kind === "labels" ? scale.labels[code] : String(code)));
  return values.join(values.some((value) => value.includes(",")) ? " | " : ", ");
}

/** The decision form of one revealed item; `onSubmit(payload)` sends the `decide` frame. */
export function decisionForm(current, { onSubmit }) {
  const proposal = current.kind === "proposal";
  const choices = proposal ? [["add", "Add it"], ["reject", "Reject it"]] : [["keep", "Keep"], ["change", "Change"], ["delete", "Delete"]];
  const decided = current.decision?.criterion;
  const base = current.form || {};
  const values = {
    name: decided?.name ?? current.name,
    description: decided?.description ?? current.description,
    guidance_right: decided?.guidance_right ?? current.guidance_right,
    guidance_wrong: decided?.guidance_wrong ?? current.guidance_wrong,
    scale_kind: decided?.scale?.kind ?? base.scale_kind ?? "binary",
    scale_points: decided?.scale?.points ?? base.scale_points ?? "",
    scale_labels: decided ? decided.scale.labels.join(" | ") : base.scale_labels ?? "",
    fail_values: decided ? failText(decided.scale) : base.fail_values ?? "",
    weight: decided?.weight ?? current.weight ?? "1",
    critical: decided?.critical ?? current.critical,
    na_allowed: decided?.na_allowed ?? base.na_allowed ?? false,
  };
  const id = (name) => `decide-${name}-${current.id}`;
  const input = (name, label, attrs = {}) =>
    h("div", { class: "field" }, h("label", { for: id(name), text: label }), h("input", { id: id(name), type: "text", value: values[name] ?? "", dataset: { testid: `decide-${name}` }, ...attrs }));
  const area = (name, label) =>
    h("div", { class: "field" }, h("label", { for: id(name), text: label }), (() => {
      const element = h("textarea", { id: id(name), rows: 2, dataset: { testid: `decide-${name}` } });
      element.value = values[name] || "";
      return element;
    })());
  const details = h(
    "div",
    { class: "review-decide-details", hidden: !["change", "add"].includes(current.decision?.decision || (proposal ? "add" : "")) },
    input("name", "Name"),
    area("description", "Description"),
    area("guidance_right", "What doing it right looks like"),
    area("guidance_wrong", "What doing it wrong looks like"),
    h(
      "div",
      { class: "field" },
      h("label", { for: id("scale_kind"), text: "Scale" }),
      h(
        "select",
        { id: id("scale_kind"), dataset: { testid: "decide-scale_kind" } },
        [["binary", "Pass / fail"], ["numeric", "Numeric points"], ["labels", "Custom labels"]].map(([value, text]) => h("option", { value, text, selected: values.scale_kind === value })),
      ),
    ),
    input("scale_points", "Points (numeric)", { inputmode: "numeric" }),
    input("scale_labels", "Labels, separated by |"),
    input("fail_values", "Fail values"),
    input("weight", "Weight", { inputmode: "decimal" }),
    h("label", { class: "check" }, h("input", { type: "checkbox", id: id("critical"), checked: values.critical, dataset: { testid: "decide-critical" } }), " Critical"),
    h("label", { class: "check" }, h("input", { type: "checkbox", id: id("na_allowed"), checked: values.na_allowed }), " N/A allowed"),
  );
  const form = h("form", { class: "review-decide card", dataset: { testid: "decision-form" } });
  const group = h(
    "fieldset",
    { class: "review-question" },
    h("legend", { text: "Decision" }),
    choices.map(([value, text]) =>
      h("label", { class: "review-choice" }, h("input", { type: "radio", name: `decision-${current.id}`, value, checked: current.decision?.decision === value, dataset: { testid: `decide-${value}` }, onchange: () => { details.hidden = !["change", "add"].includes(value); } }), ` ${text}`),
    ),
  );
  const rationale = h("textarea", { id: id("rationale"), rows: 3, required: true, dataset: { testid: "decide-rationale" } });
  rationale.value = current.decision?.rationale || "";
  form.append(
    h("h3", { text: current.decision ? "Change the decision" : "Record the decision" }),
    group,
    details,
    h("div", { class: "field" }, h("label", { for: id("rationale"), text: "Rationale" }), rationale),
    h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "decide-save" } }, "Record decision"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const decision = form.querySelector(`input[name="decision-${current.id}"]:checked`)?.value;
    if (!decision) {
      toast("Choose a decision first.", { kind: "error" });
      return;
    }
    const payload = { item: current.id, decision, rationale: rationale.value };
    if (["change", "add"].includes(decision)) {
      const value = (name) => form.querySelector(`#${id(name)}`).value;
      const points = value("scale_points").trim();
      Object.assign(payload, {
        name: value("name"),
        description: value("description"),
        guidance_right: value("guidance_right"),
        guidance_wrong: value("guidance_wrong"),
        scale_kind: value("scale_kind"),
        scale_points: /^\d+$/.test(points) ? Number(points) : null,
        scale_labels: value("scale_labels"),
        fail_values: value("fail_values"),
        weight: value("weight"),
        critical: form.querySelector(`#${id("critical")}`).checked,
        na_allowed: form.querySelector(`#${id("na_allowed")}`).checked,
      });
    }
    onSubmit(payload);
  });
  return form;
}
