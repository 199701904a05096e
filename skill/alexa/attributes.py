"""Session attribute names the skill keeps between turns; the simulator reads the same ones.

Dependency-free, so a simulator talking to a remote skill needs no ask-sdk to read them.
"""

# Alexa echoes session attributes back on every request; the dialogue state rides in this one.
STATE_ATTRIBUTE = "dialogue"
