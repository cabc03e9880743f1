"""Skills analysts write in YAML, without Python: a parameterised analysis in one file.

A file in the skills folder (`CORTEX_SKILLS`, by default `skills/` next to metrics.yml) names
the skill, its inputs, the governed queries it runs, a narrative template over their results,
and where the result goes. It is checked like metrics.yml (`cortex check`: every problem at
`file:line`, with a "Did you mean"), listed with the built-in skills (`cortex skill list`) and
offered to the planners the same way (its inputs are a real pydantic model, so the JSON schema
is real). The format (skills/README.md has a worked example):

    name: support.weekly_review           # lowercase words, _ and dots; unique
    description: One sentence planners and people read.
    roles: [support, analyst]             # optional; everyone when left out
    inputs:                               # optional; see skills.authored.inputs
      channel: {type: value, dimension: channel, required: false}
      top: {type: integer, default: 3, minimum: 1, maximum: 10}
    queries:                              # at least one; the first is the skill's main answer
      - id: week                          # the narrative's name for its result
        title: Support last week          # optional: the question its answer answers
        metrics: [ticket_volume, csat]    # SemanticQuery's fields: metrics, dimensions,
        dimensions: [channel]             #   named_filters, time_range, compare, order_by,
        time_range: last week             #   limit; any string may be a template over the
        compare: previous_period          #   inputs ("last {{ weeks }} weeks")
        limit: "{{ top }}"
        filters:                          # a filter from an input is dropped when the input
          - {field: channel, input: channel}   #   is not given
          - {field: handled_by, value: ai}     # op: =, !=, <, in, between, ... (default =)
        where: ["intent != 'spam'"]       # fixed conditions, as metrics.yml writes them
    narrative: |                          # a sandboxed jinja2 template (skills.authored.results)
      {{ week.value('csat') }} CSAT {{ week.period }}, {{ week.change('csat') }}.
    output: thread                        # or {skill: report.html, input: {title: "..."}}

Modules: `inputs` (the input model), `reader` (a file's shape), `checks` (its names, queries,
templates and output), `templates` (the jinja2 sandbox), `results` (what the narrative sees of
a result), `spec` (a read skill, its queries built with inputs), `skill` (`YamlSkill`, a run),
`loader` (`load_yaml_skills`, a folder).
"""

from skills.authored.loader import load_yaml_skills, skill_files
from skills.authored.skill import YamlSkill

__all__ = ["YamlSkill", "load_yaml_skills", "skill_files"]
