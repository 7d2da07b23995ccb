"""The commented gendan.toml that `gendan init` writes (every key optional)."""

__all__ = ["EXAMPLE_CONFIG"]

EXAMPLE_CONFIG = '''\
# gendan workspace settings. Every key is optional: what is left out takes the
# built-in default shown here. Unknown keys are reported as errors.

[company]
name_zh = "杭州跟单贸易有限公司"
name_en = "Hangzhou Gendan Trading Co., Ltd."
address_zh = "浙江省杭州市上城区凤起路321号"
address_en = "321 Fengqi Road, Shangcheng District, Hangzhou 310003, China"
phone = "+86 571 8700 0000"
fax = "+86 571 8700 0001"
email = "export@gendan.example"
website = "www.gendan.example"
# The company seal, relative to templates/ (the workspace's own, else the bundled one):
# on the documents gendan makes, in stamps with image = "seal" and in the hand-over pack.
# A seal file that does not exist is an error, never a silently unsealed document.
seal = "assets/seal.png"
logo = ""

[company.bank]
beneficiary = "Hangzhou Gendan Trading Co., Ltd."
bank_name = "Bank of China, Hangzhou Branch"
bank_address = "321 Fengqi Road, Hangzhou, China"
account = "3560 0000 0000 0000 000"
swift = "BKCHCNBJ910"

[documents]
default_currency = "USD"

[approval]
# At or above these amounts (per order currency) the general manager must also approve.
general_manager_threshold = { USD = 50000, EUR = 45000, CNY = 350000 }

[inspection]
# Days before the delivery date by which each kind of inspection is notified or booked.
in_house_days = 7
customer_days = 7
third_party_days = 14

[archive]
# Mode of archived files; empty: the umask decides (0644 under the usual umask 022).
file_mode = ""

[store]
# Empty: this workspace keeps its registry, locks and index itself (one machine). A
# PostgreSQL database for several machines and `gendan worker` (docs/shared.md); move an
# existing workspace there with `gendan migrate --to postgresql://...`.
url = ""
# Empty: the archive is this workspace's archive/ folder alone. s3://bucket/prefix (or a
# folder every machine mounts) keeps the archive's shared copy there; archive/ is then
# this machine's working copy (`gendan migrate --archive s3://...`).
archive_url = ""
archive_endpoint = ""   # an S3-compatible service's address (MinIO, ...); empty: AWS's

[watch]
stable_seconds = 1.0    # a file is taken when size and mtime are unchanged this long
rescan_seconds = 30.0   # full rescan of the inbox (events can be missed)
retries = 3             # attempts for a damaged PDF (it may still be copying)
retry_seconds = 2.0

# Stamps. purpose = "archive": on the archived copy of each factory document (the ARCHIVED
# stamp); purpose = "handover": on the copy in the hand-over pack, placed in a free margin
# (never over the factory's letterhead or figures). Each [[stamps]] has either `text` or
# `image` ("seal" is the company seal). Variables in text: {order} {customer}
# {customer_name} {type} {type_en} {type_zh} {received} {page} {pages} {file} {version}.
# position: top-left top-center top-right middle-left center middle-right
#           bottom-left bottom-center bottom-right; offset_mm = [right, up];
# pages: "all", "first", "last" or a list such as [1, 3]. types: ["*"] for all.
# stamp_font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # TrueType CJK font

[[stamps]]
types = ["*"]
purpose = "archive"
text = """{customer} 存档 ARCHIVED
{order} · {type_zh} {type_en} v{version}
收到 Received {received} · {page}/{pages}"""
position = "top-right"
width_mm = 62.0
opacity = 0.9
pages = "all"
color = "#c8102e"

[[stamps]]
types = ["commercial_invoice", "packing_list"]
purpose = "handover"
image = "seal"
position = "bottom-right"
width_mm = 36.0
rotation = -8.0
opacity = 0.85
pages = "last"
'''
