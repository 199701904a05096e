"""One plain function per intent; the map lives in skill.core.conversation."""
