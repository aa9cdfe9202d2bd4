"""The sections of the one settings object: every tunable number of a stage, with its reason.

Each section is set by `DOCQA_<SECTION>__<NAME>` variables (`DOCQA_RETRIEVAL__RRF_K=60`) or by
the settings file (`DOCQA_SETTINGS_FILE`, JSON with one object per section), which
`docqa tune` writes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Section(BaseModel):
    """A frozen settings section that rejects unknown names."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RetrievalSettings(Section):
    """How chunks are ranked: weighted reciprocal-rank fusion of three rankings."""

    # Fitted by `docqa tune` on the tuning file: whole-chunk vectors (Chroma) and a vote for
    # naming the question's identifier add nothing beside sentence vectors and BM25.
    dense_weight: float = Field(default=0.0, ge=0)
    lexical_weight: float = Field(default=1.0, ge=0)
    unit_weight: float = Field(default=2.0, ge=0)
    exact_weight: float = Field(default=0.0, ge=0)
    # Pages the last answer cited, for a follow-up: one rank-one vote, times this weight.
    prior_weight: float = Field(default=1.0, ge=0)
    rrf_k: int = Field(default=60, ge=1)  # the usual constant of reciprocal-rank fusion
    depth: int = Field(default=40, ge=1)  # chunks each ranking contributes to the fusion
    passages_per_page: int = Field(default=3, ge=1)  # what the reader sees of a page
    # Recent questions' embeddings kept, so a follow-up embeds only itself.
    question_cache: int = Field(default=1024, ge=0)


class ReaderSettings(Section):
    """How answer units are scored and how many make an answer."""

    lexical_weight: float = Field(default=0.5, ge=0)  # question-word coverage beside cosine
    heading_share: float = Field(default=0.3, ge=0, le=1)  # a word only in the heading path
    rank_decay: float = Field(default=0.15, ge=0)  # each page further down costs this share
    keep_ratio: float = Field(default=0.6, ge=0, le=1)  # units this close to the best join it
    other_page_words: float = Field(default=0.25, ge=0, le=1)  # another page must add these
    # The lead: what a user reads first, at most this long (code aside) and this many units
    # of the best passage, each scoring at least lead_ratio of the best.
    lead_chars: int = Field(default=300, ge=50)
    lead_units: int = Field(default=3, ge=1)
    lead_ratio: float = Field(default=0.6, ge=0, le=1)
    max_chars: int = Field(default=650, ge=100)  # the whole answer's budget (code aside)
    max_items: int = Field(default=15, ge=1)  # list items or rows brought by their intro
    max_list: int = Field(default=200, ge=1)  # list items read past an opening line
    pages: int = Field(default=3, ge=1)  # pages whose passages are read
    # A follow-up this short (in tokens) leans on the conversation.
    short_question: int = Field(default=8, ge=1)
    # Read a question's typos as the pages' words, telling the user (app/spelling.py).
    read_typos: bool = True


class RefusalSettings(Section):
    """How the refusal model is applied to a question."""

    closest: int = Field(default=10, ge=1)  # units whose word coverage is measured
    # Headings the topic probe reads to decide whether it knows the pages (an even sample).
    topic_sample: int = Field(default=2000, ge=1)
    # The share of the pages' headings the probe must score as covered to judge questions.
    topic_min_share: float = Field(default=0.9, ge=0, le=1)
    # Name what the pages lack (a name no page mentions, an amount the lead does not give),
    # and refuse requests to get around security or hide activity (docs/reader.md).
    name_gaps: bool = True
    refuse_misuse: bool = True


class ServingSettings(Section):
    """How docqa is served to a team (the browser app, the HTTP API, the MCP server).

    Secrets are `SecretStr`: a dump of the settings (an evaluation run's config) shows
    `**********`, never the value.
    """

    # Sign-in with OpenID Connect through Streamlit's st.login (or an [auth] section of
    # Streamlit's own secrets file). None: on when either is configured.
    sign_in: bool | None = None
    oidc_metadata_url: str | None = None  # the provider's .well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    cookie_secret: SecretStr | None = None  # signs the identity cookie; long and random
    # Where browsers reach the app (the sign-in redirect comes back to <url>/oauth2callback);
    # unset: http://localhost:<port>.
    public_url: str | None = None
    # Maintainers: these e-mail addresses, and anyone whose ID token's `groups_claim` holds
    # `maintainer_group`. Everyone else who signs in is a viewer.
    maintainers: list[str] = Field(default_factory=list)
    maintainer_group: str | None = None
    groups_claim: str = "groups"
    # Questions one user (or one API token) may ask per minute; 0: no limit.
    questions_per_minute: int = Field(default=30, ge=0)
    # The audit log records who did what, never what was asked, unless this is on.
    audit_questions: bool = False
    # Bearer tokens of the HTTP API and of the MCP server over HTTP: the token itself, or
    # `sha256:<hex>` of it (what `docqa token` prints), so settings need not hold the token.
    api_tokens: list[SecretStr] = Field(default_factory=list)
    max_body_bytes: int = Field(default=64_000, ge=1024)  # a larger request is refused (413)
    max_history: int = Field(default=20, ge=0)  # earlier questions an API request may carry
    # The documentation's name, as the app, the API and the MCP server call it; unset: the
    # pinned pages' title, or the name of the folder the pages were indexed from.
    docs_name: str | None = None
