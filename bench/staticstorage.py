"""The production static-files storage, minus the rewriting of JavaScript source-map comments.

Written when `collectstatic` with the project's storage failed on the vendored Leaflet files'
`//# sourceMappingURL=` comments. Since those comments are stripped (commit 71086ad), the project's
storage works: registry.py uses it directly. bench/library.py still names this class.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class BenchStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (glob, rules)
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
        if glob != "*.js"
    )
