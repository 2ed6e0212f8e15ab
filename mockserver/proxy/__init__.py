"""``ocr-mock proxy``: a validating proxy in front of a real gateway that can record what it answers.

config (options), forwarding (the HTTP hop), answers (the proxy's own envelopes), budget (the spending
cap), checking (the conformance suite's checks on each exchange), deviations (what they found), recording
(fixture files from answers), app (the ASGI app tying them together), cli (the commands).
"""
