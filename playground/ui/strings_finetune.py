"""UI strings of the finetune tab (English and Simplified Chinese); merged into strings.EN / strings.ZH.

Keys must not collide with other tabs' keys: prefix them with "fi_".
"""

EN: dict[str, str] = {}
ZH: dict[str, str] = {}
