"""Reliability proof: fault scenarios on a real broker, failover and soak measurements, the fault table.

Run ``python -m reliability.failover``, ``python -m reliability.soak`` and
``python -m reliability.faults``; each writes ``results/reliability_*.json`` and ``.md``.
"""
