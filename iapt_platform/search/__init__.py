"""The one search's page (`/search/`, in every language) and its API (`/api/search/`); what it
searches is iapt_platform/lib/site_search.py, filled by the apps."""
