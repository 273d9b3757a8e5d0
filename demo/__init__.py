"""Demo data for `manage.py seed_demo`: a team's scorecard and support conversations.

The files use the same JSON formats as the import pages, so they double as examples:
- scorecard.json: {"scorecards": [...]} (see scorecards.importing)
- interactions.json: {"interactions": [...]} (see interactions.importing)
"""

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
SCORECARD_FILE = DEMO_DIR / "scorecard.json"
INTERACTIONS_FILE = DEMO_DIR / "interactions.json"
