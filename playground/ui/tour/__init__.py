"""The guided tour ("Start here"): steps.py holds the path, layout.py draws it, strings.py its texts."""
