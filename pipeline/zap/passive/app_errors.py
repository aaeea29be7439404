"""90022 Application Error Disclosure (Medium, Medium; CWE-550, WASC-13).

An HTTP 500 response raises it at Low risk with the status line as evidence. Any other response
that is not a 404, not WebAssembly, not JavaScript or CSS, and whose body contains one of ZAP's
``application_errors.xml`` patterns (database driver errors, stack traces, server error banners)
raises it at Medium with the matched text as evidence. Bodies with control characters (binary) are skipped.
"""

from __future__ import annotations

import re

from ..model import CONF_MEDIUM, RISK_LOW, RISK_MEDIUM
from .base import PassiveRule

# The plain-string patterns of ZAP's pscanrules xml/application_errors.xml, in its order (first match wins).
ERROR_STRINGS = (
    "Microsoft OLE DB Provider for ODBC Drivers", "Microsoft OLE DB Provider for SQL Server", "ODBC Microsoft Access Driver",
    "ODBC SQL Server Driver", "supplied argument is not a valid MySQL result", "Invalid parameter type",
    "You have an error in your SQL syntax", "Incorrect column name", "Can't find record in", "Unknown table",
    "Incorrect column specifier for column", "Column count doesn't match value count at row",
    "Unclosed quotation mark before the character string", "java.lang.NumberFormatException: For input string:",
    "): encountered SQLException [", "Unexpected end of command in statement [", "Invalid SQL:",
    "ERROR: parser: parse error at or near", "[ODBC Informix driver][Informix]", "[Microsoft][ODBC Microsoft Access 97 Driver]",
    "[SQL Server Driver][SQL Server]Line 1: Incorrect syntax near", "SQL command not properly ended",
    "unexpected end of SQL command", "Supplied argument is not a valid PostgreSQL result",
    "internal error [IBM][CLI Driver][DB2/6000]", "Error Occurred While Processing Request", "internal error",
    "A syntax error has occurred", "ADODB.Field error", "ASP.NET is configured to show verbose error messages",
    "ASP.NET_SessionId", "Active Server Pages error", "An illegal character has been found in the statement",
    "An unexpected token \"END-OF-STATEMENT\" was found", "Can't connect to local", "Custom Error Message", "DB2 Driver",
    "DB2 Error", "DB2 ODBC", "Disallowed Parent Path", "Error Diagnostic Information",
    "Error Message : Error loading required libraries.", "Error Report", "Error converting data type varchar to numeric",
    "Internal Server Error", "Invalid Path Character", "Invalid procedure call or argument",
    "Invision Power Board Database Error", "JDBC Driver", "JDBC Error", "JDBC MySQL", "JDBC Oracle", "JDBC SQL",
    "Microsoft VBScript compilation error", "Microsoft VBScript error", "MySQL Driver", "MySQL Error", "MySQL ODBC",
    "ODBC DB2", "ODBC Driver", "ODBC Error", "ODBC Oracle", "OLE/DB provider returned message", "Oracle DB2",
    "Oracle Driver", "Oracle Error", "Oracle ODBC", "PHP Error", "PHP Parse error", "PHP Warning", "Parent Directory",
    "Permission denied: 'GetObject'", "PostgreSQL query failed: ERROR: parser: parse error", "The script whose uid is",
    "Type mismatch", "Unable to jump to row", "Unterminated string constant",
    "Warning: Cannot modify header information - headers already sent",
    "Warning: Supplied argument is not a valid File-Handle resource in", "Warning: mysql_query()",
    "Warning: pg_connect(): Unable to connect to PostgreSQL server: FATAL", "data source=", "invalid query",
    "is not allowed to access", "mySQL error with query", "on MySQL result index", "server object error",
    "SyntaxError: Unexpected token",
)
# A selection of the file's regex patterns (stack traces and database errors common to Python stacks included).
ERROR_REGEXES = tuple(re.compile(p) for p in (
    r"(?i)Line\s\d+:\sIncorrect\ssyntax\snear\s'[^']*'",
    r"(?i)pg_query\(\)[:]*\squery\sfailed:\serror:\s",
    r"(?i)'[^']*'\sis\snull\sor\snot\san\sobject",
    r"(?i)ORA\-\d{4,5}:\s",
    r"(?:Unknown database '.*?')|(?:No database selected)|(?:Table '.*?' doesn't exist)",
    r"Exception report.*message.*description.*exception.*note.*",
    r"(?i)Servlet\sError</title>",
))
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")


class ApplicationErrorDisclosure(PassiveRule):
    plugin_id, name, risk, confidence, cwe_id, wasc_id = "90022", "Application Error Disclosure", RISK_MEDIUM, CONF_MEDIUM, 550, 13
    description = "This page contains an error/warning message that may disclose sensitive information like the location of the file that produced the unhandled exception. This information can be used to launch further attacks against the web application. The alert could be a false positive if the error message is found inside a documentation page."
    solution = "Review the source code of this page. Implement custom error pages. Consider implementing a mechanism to provide a unique error reference/identifier to the client (browser) while logging the details on the server side and not exposing them to the user."

    def scan(self, ex, doc):
        text = ex.text
        if _CONTROL.search(text):
            return
        if ex.status == 500:
            yield self.alert(ex, risk=RISK_LOW, evidence=f"HTTP/1.1 {ex.status} {ex.reason}".rstrip())
            return
        if ex.status == 404 or ex.has_content_type("application/wasm") or ex.is_javascript or ex.is_css:
            return
        for needle in ERROR_STRINGS:
            if needle in text:
                yield self.alert(ex, evidence=needle)
                return
        for pattern in ERROR_REGEXES:
            match = pattern.search(text)
            if match:
                yield self.alert(ex, evidence=match.group(0))
                return
