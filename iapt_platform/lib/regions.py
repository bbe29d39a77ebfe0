"""The countries and territories of Latin America and the Caribbean (ISO 3166-1 alpha-2).

The 33 member countries of CEPAL in the region, then the territories that are its associate members
or lie in the region. django-countries names them in the reader's language.
"""

from django_countries import Countries

COUNTRIES = [
    "AG",
    "AR",
    "BS",
    "BB",
    "BZ",
    "BO",
    "BR",
    "CL",
    "CO",
    "CR",
    "CU",
    "DM",
    "DO",
    "EC",
    "SV",
    "GD",
    "GT",
    "GY",
    "HT",
    "HN",
    "JM",
    "MX",
    "NI",
    "PA",
    "PY",
    "PE",
    "KN",
    "LC",
    "VC",
    "SR",
    "TT",
    "UY",
    "VE",
]
TERRITORIES = [
    "AI",
    "AW",
    "BM",
    "BQ",
    "VG",
    "KY",
    "CW",
    "GF",
    "GP",
    "MQ",
    "MS",
    "PR",
    "SX",
    "TC",
    "VI",
]
REGION = COUNTRIES + TERRITORIES


class RegionCountries(Countries):
    """For a CountryField limited to the region: `CountryField(countries=RegionCountries)`."""

    only = REGION
