"""Bench-only Pelican settings for bench/compare.py: the pages and feeds closest to what sitegen renders.

compare.py copies this file next to the generated content in its work folder and runs
`pelican content -s pelicanconf.py -o public`; the cached variant adds
`-e CACHE_CONTENT=true LOAD_CONTENT_CACHE=true`. Content metadata: Category = primary topic,
Tags = all topics, Authors = outlet.
"""

AUTHOR = "News digest"
SITENAME = "News digest"
SITEURL = "http://localhost:8000"
RELATIVE_URLS = False            # absolute links everywhere, as sitegen's feeds and canonical links
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PATH = "content"
OUTPUT_PATH = "public"
# THEME left unset: Pelican's default theme (notmyidea).

# Rebuilds must show what Pelican really does to an existing output folder, not a wipe-and-write.
DELETE_OUTPUT_DIRECTORY = False

# Caching is off here so "cold build" is Pelican's default; compare.py turns it on with -e for the
# cached steps. CACHE_PATH is relative to this file, i.e. inside compare.py's work folder.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
CACHE_PATH = "cache"
CONTENT_CACHING_LAYER = "reader"

# Listings: 20 per page like sitegen, at /<listing>/page/N/.
DEFAULT_PAGINATION = 20
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
YEAR_ARCHIVE_URL = "{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = YEAR_ARCHIVE_URL + "index.html"
MONTH_ARCHIVE_URL = "{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_URL + "index.html"
DAY_ARCHIVE_URL = "{date:%Y}/{date:%m}/{date:%d}/"
DAY_ARCHIVE_SAVE_AS = DAY_ARCHIVE_URL + "index.html"
ARCHIVES_SAVE_AS = "archive/index.html"

CATEGORY_URL = "topics/{slug}/"             # category = an article's primary topic
CATEGORY_SAVE_AS = CATEGORY_URL + "index.html"
CATEGORIES_SAVE_AS = "topics/index.html"
TAG_URL = "tags/{slug}/"                    # tags = all of its topics
TAG_SAVE_AS = TAG_URL + "index.html"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_URL = "sources/{slug}/"              # author = the outlet
AUTHOR_SAVE_AS = AUTHOR_URL + "index.html"
AUTHORS_SAVE_AS = "sources/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = PAGE_URL + "index.html"

# Feeds: site, each topic (category and tag) and each source, Atom and RSS (Pelican has no JSON Feed),
# 50 items with full content like sitegen's defaults.
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/topics/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/topics/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tags/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/tags/{slug}.rss.xml"
AUTHOR_FEED_ATOM = "feeds/sources/{slug}.atom.xml"
AUTHOR_FEED_RSS = "feeds/sources/{slug}.rss.xml"
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 50
RSS_FEED_SUMMARY_ONLY = False
