"""Every write to assessments, logbooks and ethics records. One module per area:

- ``assessments``: request, submit, acknowledge, amend, cancel, remind;
- ``instruments``: the shipped instruments and the form builder's versions;
- ``logbook``: entries, verification, DOPS requests and deficiency alerts;
- ``requirements``: what a rotation needs, and signing it off (the exit-exam rule);
- ``ethics``: ethics records and the decisions that set a veto.
"""
