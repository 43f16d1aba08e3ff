"""Reliability proof: fault scenarios on a real broker, failover and soak measurements, the fault table.

Run ``python -m workers.reliability.failover``, ``python -m workers.reliability.soak`` and
``python -m workers.reliability.faults``; each writes ``results/reliability_*.json`` and ``.md``.
"""
