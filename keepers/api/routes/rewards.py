"""GET /api/campaigns (chain + journal: epochs and claims) and /api/rewards/{campaign}/{account} (proof)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import func, select
from web3 import Web3

from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import ADDRESS, CampaignList, CampaignOut, ClaimOut, EpochOut, ErrorBody, RewardProof
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.rewards.service import claim_arguments
from keepers.store.models import RewardEpoch, RewardLeaf

router = APIRouter(tags=["rewards"])

MOST_CAMPAIGNS = 50
MOST_CLAIMS = 50
POSTED = ("posted", "claimable")


def _child(ctx: ApiContext) -> str | None:
    return ctx.children.get(ctx.settings.rewards.strategy)


@router.get("/api/campaigns", response_model=CampaignList, summary="Reward campaigns with their epochs and claims")
def campaigns(ctx: Context) -> CampaignList:
    child = _child(ctx)
    if child is None:
        return CampaignList(child=None, campaigns=[])
    contract = RewardsContract(ctx.w3, child)
    count = contract.campaign_count()
    out = []
    for campaign_id in range(count, max(count - MOST_CAMPAIGNS, 0), -1):
        campaign = contract.campaign(campaign_id)
        with ctx.store.transaction() as session:
            key = {"chain_id": ctx.chain_id, "child": child, "campaign_id": campaign_id}
            epochs = session.scalars(select(RewardEpoch).filter_by(**key).order_by(RewardEpoch.epoch)).all()
            latest = session.scalar(
                select(func.max(RewardEpoch.epoch)).filter_by(**key).where(RewardEpoch.status.in_(POSTED))
            )
            leaves = (
                session.scalars(
                    select(RewardLeaf).filter_by(**key, epoch=latest).order_by(RewardLeaf.tree_index).limit(MOST_CLAIMS)
                ).all()
                if latest is not None
                else []
            )
            epoch_rows = [_epoch(row) for row in epochs]
            entitled = [(leaf.account, leaf.cumulative) for leaf in leaves]
        out.append(
            CampaignOut(
                id=campaign.id,
                sponsor=campaign.sponsor,
                pool=campaign.pool,
                reward_token=campaign.reward_token,
                reward_symbol=ctx.token_at(campaign.reward_token).symbol,
                start=campaign.start,
                end=campaign.end,
                epoch_length=campaign.epoch_length,
                metric=campaign.metric,
                closed=campaign.closed,
                funded=str(campaign.funded),
                claimed=str(campaign.claimed),
                last_epoch=campaign.last_epoch,
                epochs=epoch_rows,
                claims=[
                    ClaimOut(account=a, entitled=str(amount), claimed=str(contract.claimed(campaign_id, a)))
                    for a, amount in entitled
                ],
            )
        )
    return CampaignList(child=child, campaigns=out)


def _epoch(row: RewardEpoch) -> EpochOut:
    return EpochOut(
        epoch=row.epoch,
        status=row.status,
        root=row.root,
        window_start=row.window_start,
        window_end=row.window_end,
        allocated=str(row.allocated),
        total_cumulative=str(row.total_cumulative),
        participants=row.participants,
        post_tx=row.post_tx,
        posted_block=row.posted_block,
        claimable_at=row.claimable_at,
    )


@router.get(
    "/api/rewards/{campaign}/{account}",
    response_model=RewardProof,
    responses={404: {"model": ErrorBody, "description": "no posted root of the campaign has a leaf for the account"}},
    summary="An account's claim: cumulative amount, merkle proof and calldata, from the journal",
)
def reward_proof(
    ctx: Context,
    campaign: int = Path(ge=0, le=2**62),
    account: str = Path(pattern=ADDRESS),
) -> RewardProof:
    child = _child(ctx)
    if child is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no rewards child is deployed")
    contract = RewardsContract(ctx.w3, child)
    claim = RewardsJournal(ctx.store, ctx.chain_id, child).claim(campaign, Web3.to_checksum_address(account))
    if claim is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no posted root of campaign {campaign} has a leaf for {account}"
        )
    return RewardProof.model_validate(claim_arguments(claim, contract))
