"""Skills: what Cortex does beyond answering — pages, tasks, reports, briefs, OKR attainment.

    skills.base      a skill, what it runs with (`SkillContext`) and what it gives (`SkillResult`)
    skills.registry  the skills one Cortex offers, passed in (never global), with their tools
    skills.runner    one run: the input checked, the roles, the confirmation, the audit trail
    skills.outside   calls to outside services: a refused token, Retry-After, bounded retries
    skills.builtin   the registry a workspace gets: the built-in skills and the analysts' YAML ones

A skill may use the core of cortex (the workspace, the answers, the stores) but never a surface
(cortex.slack, cortex.cli): the surfaces call skills, not the other way round.
"""
