"""Sections of the home page. Each app registers its own in AppConfig.ready(), so the home page
knows no app: `register_home_section("stories", template="stories/partials/home_section.html",
context=lambda request: {...} or None, order=20)`; sections that look the same to everyone name
their content's version (`version=`) and are kept rendered until it changes (see
iapt_platform.lib.sections)."""

from .sections import SectionRegistry

HOME_SECTIONS = SectionRegistry("home")
register_home_section = HOME_SECTIONS.register
render_home_sections = HOME_SECTIONS.render
