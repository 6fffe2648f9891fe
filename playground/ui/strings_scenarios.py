"""UI strings of the scenarios tab (English and Simplified Chinese); merged into strings.EN / strings.ZH.

Keys must not collide with other tabs' keys: prefix them with "sc_".
"""

EN: dict[str, str] = {}
ZH: dict[str, str] = {}
