"""Which proxy a request goes through: the ``*_PROXY`` environment variables, as pip, curl
and httpx read them.

gilfree builds its own httpx transports (pooled, cached, connect-limited), and httpx only
reads proxy variables for the transports it builds itself; without this, everyone behind
a corporate proxy would get ``error`` for every package. The variables are read with the
standard library's rules (``urllib.request``): ``HTTPS_PROXY``/``HTTP_PROXY`` per scheme,
``ALL_PROXY`` for the rest, ``NO_PROXY`` for hosts to reach directly, lower case winning.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gilfree.errors import BadInput

SCHEMES = ("http", "https", "socks5", "socks5h")  # what httpx's proxy support accepts


@dataclass(frozen=True)
class ProxySettings:
    """Proxy URLs by request scheme (``"all"`` for any), and the ``NO_PROXY`` list."""

    proxies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> ProxySettings:
        """The settings ``os.environ`` asks for; BadInput naming a variable that is not a
        proxy URL."""
        proxies = {}
        for scheme, url in urllib.request.getproxies_environment().items():
            if scheme == "no":
                proxies[scheme] = url
            elif url:
                proxies[scheme] = _with_scheme(scheme, url)
        return cls(proxies)

    def for_url(self, scheme: str, host: str, port: int | None = None) -> str | None:
        """The proxy URL for a request to ``scheme://host:port``, or None to go direct."""
        proxy = self.proxies.get(scheme) or self.proxies.get("all")
        if proxy is None:
            return None
        where = host if port is None else f"{host}:{port}"
        if "no" in self.proxies and urllib.request.proxy_bypass_environment(where, self.proxies):
            return None
        return proxy


def _with_scheme(variable: str, url: str) -> str:
    """``proxy:3128`` means ``http://proxy:3128`` (as curl reads it); an unknown scheme is
    bad input, named with its variable."""
    url = url.strip()
    if "://" not in url:
        url = f"http://{url}"
    scheme = url.split("://", 1)[0].lower()
    if scheme not in SCHEMES or not url.split("://", 1)[1].strip("/"):
        raise BadInput(f"{variable.upper()}_PROXY: not a proxy URL ({', '.join(SCHEMES)}): {redact(url)!r}")
    return url


def redact(url: str) -> str:
    """A proxy URL fit for messages: without the user name and password it may carry."""
    try:
        parts = urlsplit(url)
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    except ValueError:
        return "<unparseable URL>"
