"""The one settings object. Every value can be set with a `KEFU_`-prefixed environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


OLD_MODE_NAMES = {"token": "signed", "email": "tau2"}
"""What KEFU_IDENTITY's modes were called before `code` existed."""


class Settings(BaseSettings):
    """kefu settings, read from the environment (`KEFU_<NAME>`) and an optional `.env` file."""

    model_config = SettingsConfigDict(
        env_prefix="KEFU_", env_file=".env", extra="ignore", use_attribute_docstrings=True
    )

    data_dir: Path = Path("var")
    """Directory for the database, models, logs and the knowledge base (git-ignored)."""

    database_url: str | None = None
    """SQLAlchemy URL of the shop database; defaults to SQLite at `<data_dir>/kefu.db`. PostgreSQL works too."""

    pending_action_ttl_s: int = Field(default=1800, ge=60)
    """Seconds a proposed write waits for the shopper's confirmation before it expires."""

    demo_seed: int = 7
    """Seed of the deterministic demo shop built by `kefu shop demo`."""

    log_level: str = "INFO"
    """Log level of the `kefu` command (DEBUG, INFO, WARNING, ERROR)."""

    model_name: str = "smollm2-135m-instruct"
    """Name of the base model: its folder under `<data_dir>/models` and the name vLLM serves it as."""

    llm_base_url: str = "http://127.0.0.1:8000/v1"
    """OpenAI-compatible endpoint of the model server that the assistant talks to."""

    llm_model: str | None = None
    """Model or LoRA adapter name to request from the server; defaults to `model_name`."""

    llm_timeout_s: float = 60.0
    """Seconds before a model request times out."""

    llm_max_retries: int = Field(default=2, ge=0, le=10)
    """Retries of a failed model request (with backoff) before the assistant gives up."""

    serve_host: str = "127.0.0.1"
    """Interface `kefu model serve` binds vLLM to."""

    serve_port: int = 8000
    """Port `kefu model serve` binds vLLM to."""

    max_model_len: int = 8192
    """Longest prompt plus reply, in tokens, that vLLM accepts."""

    kv_cache_gib: int = Field(default=2, ge=1)
    """CPU only: gibibytes of RAM for vLLM's paged KV cache (VLLM_CPU_KVCACHE_SPACE)."""

    cpu_threads: str | None = None
    """CPU only: cores for vLLM's threads (VLLM_CPU_OMP_THREADS_BIND, e.g. "0-7"). Unset: every allowed core on
    hosts with up to 4 cores (vLLM's 'auto' keeps one back, half of a 2-core machine), vLLM's 'auto' above that."""

    gpu_memory_utilization: float = Field(default=0.85, gt=0, le=1)
    """GPU only: share of GPU memory vLLM may use for weights and KV cache."""

    prefix_caching: bool = True
    """Reuse the KV cache of shared prompt prefixes (the long system prompt) across requests."""

    enforce_eager: bool | None = None
    """Skip graph compilation; defaults to on for CPU (start-up about 35 s instead of about 95 s)."""

    speculative_ngram: int = Field(default=0, ge=0, le=8)
    """Tokens vLLM proposes per step by n-gram lookup in the prompt (prompt-lookup speculative decoding; 0 turns
    it off). Proposals are checked by the model, so replies are unchanged; they pay off when a reply copies ids,
    emails and addresses from the conversation and few shoppers write at once. With many requests in flight the
    extra verification costs more than it saves (docs/benchmarks.md, Faster turns)."""

    weights: Literal["bf16", "int8"] = "bf16"
    """The merged chat model's linear layers as served: bf16, or INT8 per channel with activations quantized per
    token (W8A8, `kefu model quantize`); merged serving only (docs/benchmarks.md, Faster turns)."""

    compute_dtype: Literal["auto", "bfloat16", "float32"] = "auto"
    """The type vLLM computes the bf16 weights in: auto is bf16 on a GPU, and on a CPU with bf16 kernels (AVX-512
    BF16 or AMX); on an AVX2-only CPU bf16 products fall back to a slow path, so auto computes in fp32 there.
    INT8 weights are always served with bf16 activations."""

    max_lora_rank: int = 16
    """Largest LoRA rank vLLM reserves room for when adapters are served."""

    lora_serving: Literal["merged", "lora"] = "merged"
    """How an adapter named by KEFU_LLM_MODEL is served: merged into the weights (faster on CPU, measured by
    `kefu bench serve`) or as a LoRA adapter next to the base model (several adapters on one server)."""

    drafting_model: str | None = None
    """A `drafting` adapter (`kefu finetune train --task drafting`) that writes catalog copy in the shop's house
    style. `kefu model serve` serves it as a LoRA module beside the merged chat adapter it was trained on, and
    drafts are then asked of it without style examples. Unset, the chat model drafts, shown two saved
    descriptions as examples."""

    serve_startup_timeout_s: int = 600
    """Seconds to wait for vLLM's /health before giving up."""

    chroma_url: str | None = None
    """URL of a Chroma server (`chroma run`); unset, the knowledge base is embedded under `<data_dir>/chroma`."""

    kb_collection: str = "kefu"
    """Default knowledge-base collection name (at least 3 characters)."""

    embedder: str = "all-MiniLM-L6-v2"
    """Sentence embedder: the packaged all-MiniLM-L6-v2, or a path to a local sentence-transformers model."""

    curated_threshold: float = Field(default=0.8, ge=0, le=1)
    """Cosine similarity above which a staff-written curated answer wins over search results."""

    shop_name: str = "Harbor Goods"
    """The shop's name, as the agent introduces it."""

    system_prompt_path: Path | None = None
    """Markdown file with the agent's instructions and the shop's policy; unset, the packaged one."""

    checkpoint_url: str | None = None
    """Where the agent's conversation state is checkpointed; unset, the same database as the shop."""

    agent_max_tokens: int = Field(default=384, ge=32)
    """Most tokens the model may write in one step (a tool call needs about 60-250)."""

    small_model_aids: bool = True
    """Code that does for a small model what a larger one does itself: offering only the tools that fit the
    request and the order's status, finding the order a shopper describes, and repairing mangled arguments.
    Every rule (identity, ownership, status, confirmation) is enforced either way; turn off for a larger model."""

    shopping_help: bool = True
    """Answer a shopper looking for a product from the catalog (products, prices, why each fits, cards in the
    widget) before the model is asked; prices and options are filtered in code."""
    translate_queries: Literal["auto", "on", "off"] = "auto"
    """Have the served model put a Chinese question into English for the knowledge base's English lanes (its
    embedder reads English only). `auto` does so when the base model reads Chinese (`kefu model list`): one short
    model call per Chinese search; otherwise a glossary of shop words stands in."""
    knowledge_answer: Literal["passage", "model"] = "passage"
    """How a general question is answered once the knowledge base is searched: `passage` replies with the best
    passage in the shopper's language, cited, without a model call (faithful and fast with a small model);
    `model` has the model answer from the passages (for a larger model)."""

    max_model_calls_per_turn: int = Field(default=8, ge=1)
    """Model calls allowed in one shopper turn before the agent hands off to a human."""

    max_tool_calls_per_turn: int = Field(default=8, ge=1)
    """Tool calls allowed in one shopper turn; further calls are refused with an error the model sees."""

    max_guard_retries: int = Field(default=2, ge=0)
    """Retries after a malformed tool call or an ungrounded draft, before a safe fallback or a handoff."""

    max_tool_errors_per_turn: int = Field(default=3, ge=1)
    """Failed tool calls in one turn after which the agent hands off, with a summary."""

    handoff_reopen_s: int = Field(default=900, ge=0)
    """A handoff no colleague has taken within this many seconds goes back to the agent at the shopper's next
    message (a handoff after an outage goes back at once). 0 keeps every handoff waiting for staff."""

    session_idle_timeout_s: int = Field(default=3600, ge=0)
    """An identified conversation idle this long is closed: the next message asks the shopper to start a new
    one (and identify again). 0 never closes one."""

    max_concurrent_turns: int = Field(default=48, ge=1)
    """Turns the server runs at once; more wait in line, first come first served, and are told their place.
    vLLM batches concurrent requests, so a low cap costs throughput: size it with `kefu bench load`."""

    rate_limit_session_messages: str = "20/minute"
    """Messages one conversation may send (a `limits` rate string: N per second, minute, hour or day)."""

    rate_limit_client_messages: str = "120/minute"
    """Messages one client address may send, across its conversations."""

    rate_limit_client_sessions: str = "30/minute"
    """New conversations one client address may start."""

    rate_limit_session_handoffs: str = "3/hour"
    """Requests for a person one conversation may make."""

    rate_limit_client_handoffs: str = "10/hour"
    """Requests for a person one client address may make, so that no one can bury the staff queue."""

    identity: Literal["signed", "code", "tau2"] | None = None
    """How shoppers prove who they are. `signed`: only a token the shop's backend signed (KEFU_IDENTITY_SECRET);
    anonymous shoppers get general help. `code`: an email, or a name and zip code, and then a one-time code sent to
    the account's email (signed tokens work too). `tau2`: the email, or name and zip, alone, as τ²-bench does;
    anyone who knows them can act for the customer, so it is for evaluation only. Unset: `signed` when a secret is
    configured, else `code`. (`token` and `email` are the old names of `signed` and `tau2`.)"""

    identity_secret: SecretStr | None = None
    """The secret the shop's backend signs identity tokens with (HMAC-SHA256); unset, tokens are refused."""

    identity_code_sender: str = "outbox"
    """Who delivers one-time codes: `outbox` keeps them in the database for staff to read (the demo), or
    `package.module:function`, called as `function(to, subject, body)`, for the shop's own mail service."""

    identity_code_ttl_s: int = Field(default=600, ge=60)
    """How long a one-time code stays valid."""

    identity_codes_per_account_per_hour: int = Field(default=5, ge=1)
    """Codes one customer's email receives in an hour, whoever asks: past it, no more are sent (the shopper is
    told the same as ever, so that it reveals nothing)."""

    identification_failures_per_client_per_hour: int = Field(default=20, ge=1)
    """Failed identification steps (an unknown email, name or zip, a wrong code, a code request) one client
    address may make in an hour, across its conversations."""

    @field_validator("identity", mode="before")
    @classmethod
    def _old_identity_names(cls, value):
        return None if value == "" else OLD_MODE_NAMES.get(value, value)

    @model_validator(mode="after")
    def _default_identity(self):
        if self.identity is None:
            self.identity = "signed" if self.identity_secret else "code"
        return self

    staff_origins: str = ""
    """Other origins (comma-separated, such as `https://admin.example-shop.com`) allowed to call the staff
    console; it always answers its own. Requests from any other site are refused."""

    widget_frame_ancestors: str = "*"
    """Who may show the shopper widget in a frame (a CSP `frame-ancestors` value): set it to the shop's own
    origins, such as `https://example-shop.com`. The staff console may only be framed by itself."""

    max_identification_failures: int = Field(default=5, ge=1)
    """Failed identification attempts (an email, or a name and zip code, that matches no one) a conversation may
    make; after that it can only be handed to a person."""

    max_message_chars: int = Field(default=4000, ge=100)
    """Longest shopper message accepted; longer ones are refused with a clear reply and stored truncated."""

    approval_threshold: float | None = Field(default=None, ge=0)
    """Refunds above this amount wait for a staff member's approval after the shopper confirms; unset, none do."""

    ui_host: str = "127.0.0.1"
    """Where `kefu ui` (and `make run`) serve the shopper widget, the staff console and the HTTP API."""

    ui_port: int = Field(default=7860, ge=1, le=65535)
    """Port of the web front end."""

    staff_port: int | None = Field(default=None, ge=1, le=65535)
    """Serve the staff console on this port of its own (and not under the public one), so that nothing running
    on the widget's origin can reach it; unset, it is at /staff of the public port."""

    staff_password_hash: str | None = None
    """PBKDF2 hash of a shared staff password (`kefu ui hash-password`), for shops without staff accounts
    (`kefu staff add NAME`); once one account exists, only accounts log in."""

    staff_login_max_failures: int = Field(default=5, ge=1)
    """Wrong staff passwords for one name before that name is locked out."""

    staff_lockout_s: float = Field(default=300, ge=1)
    """How long a locked-out staff name (or client address) is refused, even with the right password."""

    staff_login_max_failures_per_client: int = Field(default=20, ge=1)
    """Wrong staff logins from one client address, whatever names they try, before it is refused for a while."""

    staff_session_ttl_s: float = Field(default=8 * 3600, ge=60)
    """How long a staff login lasts before the console asks for the password again."""

    @property
    def models_dir(self) -> Path:
        """Folder of fetched and registered models."""
        return self.data_dir / "models"

    @property
    def adapters_dir(self) -> Path:
        """Folder of LoRA adapters that `kefu model serve` offers by name."""
        return self.data_dir / "adapters"

    @property
    def resolved_database_url(self) -> str:
        """The database URL to use, falling back to SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kefu.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return Settings()
