"""What the API and the dashboard ask of the warehouse, by kind of question: rows by key (``rows``), keyset pages
(``pages``), marts (``marts``) and the analyses of ``queries/`` (``analyses``). Identifiers only ever come from the
schema, the marts' list or the allow-lists; values are always bound."""
